/**
 * The cluster test's background processes: each runs in a process group of
 * its own, logs to a file in the run directory, and is stopped with its
 * group. A watchdog stops them all when the process that started them dies
 * (a killed test run, a crash), so no run leaves a process behind.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

export class Processes {
  private readonly started: Started[] = [];
  private readonly pidFile: string;

  constructor(private readonly dir: string) {
    this.pidFile = join(dir, 'pids');
    writeFileSync(this.pidFile, '');
    // The watchdog: a detached shell that waits for this process to end, then
    // kills every group in the pid file (a no-op when stop() already did). It
    // reads the file each second, so the groups are still known when the run's
    // directory went first (test:all removes a stopped run's temporary files).
    const watchdog = spawn(
      'sh',
      [
        '-c',
        'while kill -0 "$1" 2>/dev/null; do [ -e "$2" ] && groups=$(cat "$2"); sleep 1; done; [ -e "$2" ] && groups=$(cat "$2"); for p in $groups; do kill -TERM "-$p" 2>/dev/null; done; sleep 2; for p in $groups; do kill -KILL "-$p" 2>/dev/null; done',
        'watchdog',
        String(process.pid),
        this.pidFile,
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
  }

  /** Starts `command` in a group of its own, its output to `<dir>/<name>.log`. */
  public start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Started {
    const log = join(this.dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    child.unref();
    if (child.pid) this.adopt(child.pid);
    const started = { name, child, log, command, args, env };
    this.started.push(started);
    return started;
  }

  /**
   * Puts a process group this keeper did not start under the watchdog (a
   * detached terraform and its providers): when the run dies, it is stopped
   * too, instead of running on or leaving its providers orphaned.
   */
  public adopt(group: number): void {
    appendFileSync(this.pidFile, `${group}\n`);
  }

  /**
   * Stops the process `name` (SIGTERM, then SIGKILL after 10 s), waits
   * `downMs`, and starts it again with the same command, arguments and log.
   */
  public async restart(name: string, downMs: number): Promise<void> {
    const at = this.started.findIndex((p) => p.name === name);
    if (at < 0) throw new Error(`no process "${name}" to restart`);
    const old = this.started[at]!;
    await end([old]);
    this.started.splice(at, 1);
    await sleep(downMs);
    this.start(name, old.command, old.args, old.env);
  }

  /** Whether every started process still runs; throws naming the first that exited, with its log's tail. */
  public assertRunning(): void {
    for (const p of this.started) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        const tail = readFileSync(p.log, 'utf8').split('\n').slice(-30).join('\n');
        throw new Error(`${p.name} exited (${p.child.exitCode ?? p.child.signalCode}); the end of ${p.log}:\n${tail}`);
      }
    }
  }

  /** Stops every group, newest first, and waits for them to end. */
  public async stopAll(): Promise<void> {
    await end([...this.started].reverse());
    this.started.length = 0;
    writeFileSync(this.pidFile, '');
  }
}

/** SIGTERM to each group (in order), SIGKILL to those still alive after 10 s; returns when all are gone. */
async function end(processes: readonly Started[]): Promise<void> {
  for (const p of processes) signal(p, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && processes.some((p) => alive(p))) await sleep(100);
  for (const p of processes) if (alive(p)) signal(p, 'SIGKILL');
  while (processes.some((p) => alive(p))) await sleep(100);
}

function signal(p: Started, sig: NodeJS.Signals): void {
  try {
    if (p.child.pid) process.kill(-p.child.pid, sig);
  } catch {
    // Already gone.
  }
}

function alive(p: Started): boolean {
  if (!p.child.pid) return false;
  try {
    process.kill(-p.child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value, or throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    }
    await sleep(250);
  }
}
