/**
 * The cluster test's processes never outlive the run that started them,
 * even when it dies without cleaning up: the watchdog stops them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './project-copy';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('a crashed run leaves no process behind, neither its own nor an adopted group', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'processes-'));
  try {
    const res = spawnSync(process.execPath, ['bin/ts.mjs', '__tests__/fixtures/commands/start-and-crash.ts', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(res.status).toBe(3);
    // The keeper's own process, and a group it adopted (a terraform run in the background).
    const pids = res.stdout.trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(alive)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
