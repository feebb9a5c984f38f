/**
 * `npm run test:all` (and so CI's `.ci/run`): every phase, each timed,
 * stopping at the first that fails; the table of times is printed at the
 * end either way, so a run says where its minutes went. The README's times
 * are read from this table.
 *
 * The prerequisites and the tools come first. Then three lanes run side by
 * side: the gate (type check to the policy gate), the release analysis on a
 * real Prometheus, and the cluster test. The last two spend most of their
 * time waiting (the analysis on its measurement intervals; the cluster test
 * on the providers' own delays, rollouts, the API servers), so they share
 * the two cores with the gate instead of adding their minutes after it. A
 * failure in any lane stops the others.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../environments/root';
import { ownTmpdir } from './own-tmpdir';
import { TOOLS } from './tools';

export interface Phase {
  readonly name: string;
  readonly command: string;
  /**
   * The phase's niceness (its session's autogroup and `nice -n`): the gate's CPU-bound phases yield to
   * the cluster test, the lane that sets the total, and take the cores it
   * leaves idle while it waits. @default 0
   */
  readonly nice?: number;
}

/** The niceness of the gate's CPU-bound phases (see Phase.nice). */
const YIELDS = 10;

/** First, in order: what both lanes need (tools built once per machine, not by two lanes at once). */
export const FIRST: readonly Phase[] = [
  { name: 'prerequisites', command: 'node bin/ts.mjs tooling/prerequisites.ts' },
  {
    name: 'tools (built once per machine)',
    command: `node bin/ts.mjs tooling/tools.ts ${Object.keys(TOOLS).join(' ')}`,
  },
];

/** The gate's lane, in the order a failure is cheapest to find. */
export const GATE: readonly Phase[] = [
  { name: 'type check and lint', command: 'npm run typecheck && npm run lint', nice: YIELDS },
  { name: 'unit tests', command: 'npx jest', nice: YIELDS },
  { name: 'end-to-end tests', command: 'npx jest -c jest.e2e.config.js', nice: YIELDS },
  { name: 'mutation (incremental)', command: 'npm run test:mutation', nice: YIELDS },
  { name: 'policy gate (validate)', command: 'npm run validate', nice: YIELDS },
];

/**
 * The release analysis on a real Prometheus, a lane of its own beside the
 * gate: it mostly waits for the analysis's measurements (about 45 s, a
 * third of it on a core), which at the gate's end added its whole length.
 * Not niced: it measures how long the analysis takes to reach a verdict.
 */
export const PROMETHEUS: readonly Phase[] = [
  { name: 'release analysis on Prometheus', command: 'npm run test:prometheus' },
];

/** The cluster's lane, beside the gate; its output goes to a file, printed when it ends. */
export const CLUSTER: readonly Phase[] = [{ name: 'cluster test', command: 'npm run test:cluster' }];

/** Every phase, in the table's order. */
export const PHASES: readonly Phase[] = [...FIRST, ...GATE, ...PROMETHEUS, ...CLUSTER];

export interface PhaseTime {
  readonly name: string;
  readonly seconds: number;
  readonly status: 'passed' | 'failed' | 'stopped' | 'not run';
}

/** The table: one row per phase, and the wall-clock total (the lanes overlap). */
export function timeTable(times: readonly PhaseTime[], wallSeconds: number): string {
  const fmt = (seconds: number) => {
    const s = Math.round(seconds);
    return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  };
  const width = Math.max(...times.map((t) => t.name.length), 'total (wall clock)'.length);
  return [
    'test:all, time per phase:',
    ...times.map(
      (t) => `  ${t.name.padEnd(width)}  ${t.status === 'not run' ? '      -     ' : fmt(t.seconds)}  ${t.status}`,
    ),
    `  ${'total (wall clock)'.padEnd(width)}  ${fmt(wallSeconds)}`,
  ].join('\n');
}

/** One lane: its phases in order, until one fails or the lane is stopped. */
class Lane {
  readonly times: PhaseTime[] = [];
  private child?: ReturnType<typeof spawn>;
  private stopped = false;

  constructor(
    private readonly phases: readonly Phase[],
    private readonly output: 'inherit' | string,
  ) {}

  /** Runs the phases; resolves true when all passed. */
  async run(onFail: () => void): Promise<boolean> {
    for (const phase of this.phases) {
      if (this.stopped || this.times.some((t) => t.status !== 'passed')) {
        this.times.push({ name: phase.name, seconds: 0, status: 'not run' });
        continue;
      }
      const started = Date.now();
      const status = await this.spawn(phase);
      const failed = status !== 0;
      this.times.push({
        name: phase.name,
        seconds: (Date.now() - started) / 1000,
        status: this.stopped ? 'stopped' : failed ? 'failed' : 'passed',
      });
      if (failed && !this.stopped) onFail();
    }
    return this.times.every((t) => t.status === 'passed');
  }

  /** Ends the running phase and everything it started (its own process group). */
  stop(): void {
    this.stopped = true;
    if (this.child?.exitCode === null) kill(this.child.pid, 'SIGTERM');
  }

  private spawn(phase: Phase): Promise<number> {
    const fd = this.output === 'inherit' ? undefined : openSync(this.output, 'a');
    if (this.output === 'inherit') console.log(`\n=== ${phase.name}: ${phase.command}`);
    // A lane is a session of its own (detached), so Linux's scheduler autogroup weighs it against
    // the others as one: its niceness is the autogroup's (/proc/self/autogroup), set where the kernel
    // has one; `nice` orders the lane's own processes.
    const nice = phase.nice ?? 0;
    const niced = `echo ${nice} > /proc/self/autogroup 2>/dev/null; exec nice -n ${nice} sh -c "$0"`;
    const child = spawn('sh', ['-c', niced, phase.command], {
      cwd: ROOT,
      detached: true,
      stdio: fd === undefined ? 'inherit' : ['ignore', fd, fd],
    });
    this.child = child;
    return new Promise((resolve) => {
      child.on('exit', (code) => {
        // A stopped phase's group may outlive its first process: what ignored the SIGTERM or started
        // just after it (a provider a terraform launched as the signal came). Nothing of it may stay.
        if (this.stopped) kill(child.pid, 'SIGKILL');
        if (fd !== undefined) closeSync(fd);
        resolve(code ?? 1);
      });
    });
  }
}

/** Sends `signal` to the process group `group` leads, if any of it is left. */
function kill(group: number | undefined, signal: NodeJS.Signals): void {
  if (!group) return;
  try {
    process.kill(-group, signal);
  } catch {
    // already gone
  }
}

/** Runs `first` in order, then the lanes side by side; the table of times either way. */
export async function runPhases(
  first: readonly Phase[],
  lanes: readonly { readonly phases: readonly Phase[]; readonly output: 'inherit' | string }[],
): Promise<{ readonly ok: boolean; readonly times: PhaseTime[]; readonly wallSeconds: number }> {
  const started = Date.now();
  const head = new Lane(first, 'inherit');
  const ok = await head.run(() => undefined);
  const running = lanes.map((l) => new Lane(l.phases, l.output));
  // A failed first phase stops the lanes before they start: each lists its phases as not run.
  if (!ok) running.forEach((lane) => lane.stop());
  const results = await Promise.all(running.map((lane) => lane.run(() => running.forEach((other) => other.stop()))));
  return {
    ok: ok && results.every(Boolean),
    times: [...head.times, ...running.flatMap((lane) => lane.times)],
    wallSeconds: (Date.now() - started) / 1000,
  };
}

export async function main(): Promise<number> {
  // The side lanes' logs, this run's own (two runs at once write apart; reports/ is ignored by git).
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  const logDir = mkdtempSync(join(ROOT, 'reports', 'test-all-'));
  const sides = [
    { phases: PROMETHEUS, output: join(logDir, 'prometheus.log') },
    { phases: CLUSTER, output: join(logDir, 'cluster-test.log') },
  ];
  for (const side of sides) writeFileSync(side.output, '');
  // Every phase's temporary files in one directory of this run's, removed at the end: a stopped
  // lane's jest never runs its teardown, and its temporary root (a cluster run's state, logs and
  // provider sockets) would stay in /tmp. Traversable by nginx's worker user, as validate's own is.
  const restoreTmpdir = ownTmpdir('test-all-', 0o711);
  console.log(
    `(the release analysis on Prometheus and the cluster test run beside the gate once the tools are there; their output: ${logDir})`,
  );
  try {
    const { ok, times, wallSeconds } = await runPhases(FIRST, [{ phases: GATE, output: 'inherit' }, ...sides]);
    for (const side of sides) {
      const output = readFileSync(side.output, 'utf8');
      const [phase] = side.phases;
      if (output) console.log(`\n=== ${phase!.name} (ran beside the gate): ${phase!.command}\n${output}`);
    }
    console.log(`\n${timeTable(times, wallSeconds)}`);
    return ok ? 0 : 1;
  } finally {
    rmSync(logDir, { recursive: true, force: true });
    restoreTmpdir();
  }
}
