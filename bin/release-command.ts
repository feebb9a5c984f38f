/**
 * The release command: edits environments/<env>.release.json by one move.
 *
 * - An exclusive lock (`<file>.lock`, created exclusively, holding the pid
 *   and start time) surrounds read-modify-write, so two runs never lose each
 *   other's move. A second run waits a bounded time, then fails saying who
 *   holds the lock. A lock left by a process that is gone is reported, never
 *   silently broken.
 * - Before writing, the checks synth runs: every environment validated,
 *   alone and across environments, with the changed release file, and this
 *   environment's constructs built; nothing is written when one fails.
 * - The file is written through a temp file and a rename: it is the old
 *   state or the new one, never half of each.
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors';
import { StrictJsonError, parseStrictJson } from '../core/strict-json';
import { ENVIRONMENTS } from '../environments';
import { EnvironmentSource, environmentName, validateEnvironment } from '../environments/validate';
import { promotionSummary } from '../features/release/analysis/plan';
import { ReleaseError, VERBS, Verb, applyMove, legalMoves } from '../features/release/moves';
import type { ServiceRelease } from '../features/release/schema';
import { ROOT } from '../environments/root';
import { otherColour } from '../core/colours';
import { releaseFilePath } from '../core/names';
import { UsageError, parseCommandArgs } from './args';

const USAGE = `usage: npm run release -- <environment> <verb> [image] [--service <name>] [--help]
verbs:
  status         print each service's state and the moves it can make
  stage <image>  give the idle colour <image> at full replicas
  promote        move traffic to the staged colour
  rollback       move traffic back while the previous colour still runs
  finish         scale the previous colour down to its idle replicas
  abandon        drop a staged (or rolled-back) release: its colour stops`;

const COMMANDS = ['status', ...VERBS] as const;

/** The file operations the command needs; tests pass failing ones. */
export type ReleaseFs = Pick<
  typeof nodeFs,
  'readFileSync' | 'writeFileSync' | 'renameSync' | 'rmSync' | 'openSync' | 'closeSync'
>;

export interface ReleaseOptions {
  /** Project root holding environments/. */
  readonly root: string;
  readonly sources?: readonly EnvironmentSource[];
  readonly fs?: ReleaseFs;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  /** How long to wait for another run's lock, in milliseconds. @default 15000 */
  readonly lockTimeoutMs?: number;
  /** Whether a process exists (for stale-lock detection). @default process.kill(pid, 0) */
  readonly isAlive?: (pid: number) => boolean;
  /** A process's command line, undefined where unknown. @default /proc/<pid>/cmdline */
  readonly commandOf?: (pid: number) => string | undefined;
}

export function releaseFile(root: string, env: string): string {
  return join(root, releaseFilePath(env));
}

/** Writes `content` to `path` through a temp file and a rename. */
export function writeAtomic(fs: ReleaseFs, path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, content, { flag: 'wx' });
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

interface Parsed {
  readonly env: string;
  readonly command: (typeof COMMANDS)[number];
  readonly image?: string;
  readonly service?: string;
}

/** Strict arguments: every unknown flag, missing value and unknown verb is named. */
export function parseArgs(args: readonly string[]): Parsed | 'help' {
  if (args.includes('--help') || args.includes('-h')) return 'help';
  // Both spellings getopt users know: `--service name` and `--service=name`.
  const { values, positionals } = parseCommandArgs(args, { service: { type: 'string', value: 'a service name' } });
  const service = values.service;
  const [env, command, image, ...extra] = positionals;
  if (!env) throw new UsageError('name an environment');
  if (!command) throw new UsageError(`name a verb after "${env}" (${COMMANDS.join(', ')})`);
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown verb "${command}" (verbs: ${COMMANDS.join(', ')})`);
  }
  if (command === 'stage' && !image) throw new UsageError('stage needs an image: release <env> stage <image>');
  if (command !== 'stage' && image !== undefined) throw new UsageError(`unexpected argument "${image}"`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  return { env, command: command as Parsed['command'], image, service };
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock `path` (created exclusively, holding pid and time) and
 * returns its release function; waits up to `timeoutMs` for a live holder.
 */
export function acquireLock(
  fs: ReleaseFs,
  path: string,
  timeoutMs: number,
  isAlive: (pid: number) => boolean,
  commandOf: (pid: number) => string | undefined = defaultCommandOf,
): () => void {
  const deadline = Date.now() + timeoutMs;
  const left = (why: string) =>
    new ReleaseError(
      `${path} ${why}. Check that the release file holds what you expect, then delete the lock file and run again.`,
    );
  for (;;) {
    try {
      const fd = fs.openSync(path, 'wx');
      fs.writeFileSync(fd, `${JSON.stringify({ pid: process.pid, time: new Date().toISOString() })}\n`);
      fs.closeSync(fd);
      return () => fs.rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: { pid?: unknown; time?: unknown } | undefined;
    try {
      holder = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch {
      // Being written this very moment, or just released: look again, until the deadline.
    }
    const pid = typeof holder?.pid === 'number' ? holder.pid : undefined;
    const since = typeof holder?.time === 'string' ? holder.time : undefined;
    if (pid !== undefined && !isAlive(pid)) {
      throw left(`was left by process ${pid} (since ${since ?? 'an unknown time'}), which is no longer running`);
    }
    // A live pid may be a new process that reuses the number: believe only a release command.
    const command = pid === undefined ? undefined : commandOf(pid);
    if (pid !== undefined && command !== undefined && !/release/.test(command)) {
      throw left(
        `names process ${pid} (since ${since ?? 'an unknown time'}), which now runs "${command.slice(0, 80)}", not a release command: the release command that took it is gone`,
      );
    }
    if (Date.now() >= deadline) {
      if (pid === undefined) {
        throw left(
          `holds no process id (it is empty or was not written by this command), so no release command can be found holding it`,
        );
      }
      const age = since === undefined ? NaN : Date.now() - Date.parse(since);
      if (age > STALE_AFTER_MS) {
        throw left(
          `was taken by process ${pid} ${Math.round(age / 60_000)} minutes ago (since ${since}); a release command holds it for seconds, so it was most likely left behind and the number reused`,
        );
      }
      throw new ReleaseError(
        `${path} is held by process ${pid} (since ${since ?? 'an unknown time'}): another release command is running. ` +
          'Run again when it has finished.',
      );
    }
    sleep(50);
  }
}

/** A lock older than this was not taken by a running move (a move takes seconds). */
const STALE_AFTER_MS = 10 * 60_000;

/** The command line of a process, where the system shows it (Linux); undefined elsewhere. */
function defaultCommandOf(pid: number): string | undefined {
  try {
    return nodeFs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The release file through the reader synth uses, so both accept the same bytes. */
function readRelease(fs: ReleaseFs, path: string): unknown {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new ReleaseError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return parseStrictJson(bytes);
  } catch (e) {
    if (e instanceof StrictJsonError) throw new ReleaseError(`${path} ${e.message}`);
    throw e;
  }
}

/** Lines describing each service's state and its legal next moves. */
function statusLines(source: EnvironmentSource, release: unknown, envName: string): string[] {
  const env = validateEnvironment({ settings: source.settings, release });
  return env.services.flatMap((svc) => {
    const state = env.release.services[svc.name]!;
    const colour = (c: 'blue' | 'green') =>
      `${c} ${state[c].image ?? '(no image)'} × ${state[c].replicas}${state.live === c ? ' (live)' : ''}`;
    return [
      `${envName}/${svc.name}: phase ${state.phase}; ${colour('blue')}; ${colour('green')}`,
      ...switchLine(env, svc, state),
      `  next: ${legalMoves(state)
        .map((v) => `npm run release -- ${envName} ${v}${v === 'stage' ? ' <image>' : ''}`)
        .join('  |  ')}`,
    ];
  });
}

/**
 * What the next switch will check: in `switched`, the apply that moves
 * traffic; in `staged`, the one after `promote`.
 */
function switchLine(
  env: ReturnType<typeof validateEnvironment>,
  svc: ReturnType<typeof validateEnvironment>['services'][number],
  state: ServiceRelease,
): string[] {
  if (state.phase === 'stable') return [];
  const next = otherColour(state.live);
  if (state.phase === 'staged') {
    const promoted: ServiceRelease = { ...state, live: next, phase: 'switched' };
    return [`  on promote: traffic ${state.live} → ${next} ${promotionSummary(env, svc, promoted)}`];
  }
  return [`  switch: traffic ${next} → ${state.live} ${promotionSummary(env, svc, state)}`];
}

/**
 * The release file after the move, checked as synth checks it: every
 * environment validated (alone and across them) with the new file, and
 * this one's constructs built. Throws a ReleaseError or ConfigError.
 */
function nextRelease(
  parsed: Parsed,
  source: EnvironmentSource,
  sources: readonly EnvironmentSource[],
  current: unknown,
): ReturnType<typeof applyMove> {
  const env = validateEnvironment({ settings: source.settings, release: current });
  let result: ReturnType<typeof applyMove>;
  try {
    result = applyMove(env, { verb: parsed.command as Verb, service: parsed.service, image: parsed.image });
  } catch (e) {
    if (e instanceof ReleaseError) {
      for (const svc of env.services.filter((s) => !parsed.service || s.name === parsed.service)) {
        e.message += `\n${parsed.env}/${svc.name} can: ${legalMoves(env.release.services[svc.name]!).join(', ')}`;
      }
    }
    throw e;
  }
  // Loaded here, not at the top: only a move that writes needs cdktf (`status` stays fast).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { checkEnvironments } = require('../stacks/app') as typeof import('../stacks/app');
  checkEnvironments(
    sources.map((s) => (s === source ? { settings: s.settings, release: result.release } : s)),
    [parsed.env],
  );
  return result;
}

/** Runs the command; returns the exit code (0 done, 1 refused, 2 usage). */
export function runRelease(args: readonly string[], options: ReleaseOptions): number {
  const fs = options.fs ?? nodeFs;
  const out = options.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = options.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const sources = options.sources ?? ENVIRONMENTS;
  let parsed: Parsed;
  try {
    const result = parseArgs(args);
    if (result === 'help') {
      for (const line of USAGE.split('\n')) out(line);
      return 0;
    }
    parsed = result;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`error: ${e.message}`);
    err(USAGE);
    return 2;
  }
  const source = sources.find((s) => environmentName(s.settings) === parsed.env);
  if (!source) {
    const names = sources.map((s) => environmentName(s.settings)).join(', ');
    err(`error: no environment "${parsed.env}" in environments/index.ts (environments: ${names})`);
    return 2;
  }
  const path = releaseFile(options.root, parsed.env);
  let unlock: (() => void) | undefined;
  try {
    if (parsed.command === 'status') {
      for (const line of statusLines(source, readRelease(fs, path), parsed.env)) out(line);
      return 0;
    }
    unlock = acquireLock(
      fs,
      `${path}.lock`,
      options.lockTimeoutMs ?? 15_000,
      options.isAlive ?? defaultIsAlive,
      options.commandOf,
    );
    const result = nextRelease(parsed, source, sources, readRelease(fs, path));
    writeAtomic(fs, path, `${JSON.stringify(result.release, null, 2)}\n`);
    out(result.summary);
    out(`wrote ${path}`);
    out(`next: review the diff, then run: npx cdktf plan ${parsed.env}`);
    return 0;
  } catch (e) {
    if (e instanceof ReleaseError || e instanceof ConfigError) {
      err(`error: ${e.message.split('\n').join('\nerror: ')}`);
      if (e instanceof ConfigError) err(`error: nothing was written to ${path}`);
      return 1;
    }
    err(`error: could not write ${path}: ${(e as Error).message}; the file is unchanged`);
    return 1;
  } finally {
    unlock?.();
  }
}

/** `npm run release -- …` */
export function main(args: readonly string[]): number {
  return runRelease(args, { root: ROOT });
}
