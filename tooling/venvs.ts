/**
 * The Python virtualenvs the gate (policy/requirements.txt: checkov,
 * kubernetes-validate, zizmor) and the cluster test
 * (tooling/cluster/requirements.txt: moto) run, one per machine, Python and
 * requirements, in the tool cache beside the Go tools: a fresh clone does not
 * install them again. A virtualenv cannot be moved once made (its scripts
 * name their path), so it is made in place under a lock, and marked complete
 * last: two runs at once make it once, and neither uses half of one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../environments/root';
import { cacheRoot } from './tools';

/** The virtualenv with `requirements` (a file in the project) installed; made when missing. */
export function cachedVenv(
  name: string,
  requirements: string,
  log: (line: string) => void = console.log,
  root: string = join(cacheRoot(), 'venvs'),
): string {
  const wanted = readFileSync(requirements, 'utf8');
  const python = execFileSync('python3', ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' });
  const key = createHash('sha256').update(python).update(wanted).digest('hex').slice(0, 12);
  const dir = join(root, `${name}-${key}`);
  const complete = join(dir, '.complete');
  if (existsSync(complete)) return dir;
  mkdirSync(root, { recursive: true });
  withLock(`${dir}.lock`, () => {
    if (existsSync(complete)) return; // made by the run that held the lock
    rmSync(dir, { recursive: true, force: true }); // half of one, left by a run that died
    log(`installing ${relative(ROOT, requirements)} into ${dir} (once per machine and requirements)`);
    execFileSync('python3', ['-m', 'venv', dir]);
    const pip = spawnSync(
      join(dir, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', '-r', requirements],
      { encoding: 'utf8' },
    );
    if (pip.status !== 0) throw new Error(`installing ${requirements} failed:\n${pip.stdout}${pip.stderr}`);
    writeFileSync(complete, wanted);
  });
  return dir;
}

/** How long a lock may stand with no live holder named in it before it is taken over. */
const ORPHAN_MS = 60_000;

/** Runs `fn` holding the lock directory `lock`; waits for another holder, takes over a dead one's. */
function withLock(lock: string, fn: () => void): void {
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (orphaned(lock)) rmSync(lock, { recursive: true, force: true });
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
  writeFileSync(join(lock, 'pid'), String(process.pid));
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function orphaned(lock: string): boolean {
  const pidFile = join(lock, 'pid');
  if (!existsSync(pidFile)) {
    // Between mkdir and writing the pid: only a lock that stays so for a minute is orphaned.
    try {
      return Date.now() - statSync(lock).mtimeMs > ORPHAN_MS;
    } catch {
      return false; // released meanwhile
    }
  }
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
