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

it('a crashed run leaves no process behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'processes-'));
  try {
    const res = spawnSync(process.execPath, ['bin/ts.mjs', '__tests__/fixtures/commands/start-and-crash.ts', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(res.status).toBe(3);
    const pid = Number(res.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
