/**
 * npm run rollback -- <environment> --apply-log <file> [--report <file>]
 *
 * The automatic rollback after a failed release analysis, step by step:
 *
 *  1. reads the failed apply's output for analyses that did not pass (the
 *     verdict before a switch, a failed Job after one); none: exit 3;
 *  2. `release <env> rollback` for each of those services, so the release
 *     file says what will run (the file is edited only by the release
 *     command, with its checks and lock);
 *  3. synthesizes and plans to a saved plan;
 *  4. proves the plan moves traffic back and changes nothing else
 *     (rollback-guard.ts); anything else: exit 1, nothing applied;
 *  5. applies the saved plan (no approval: this move is approved in
 *     advance, and only this move);
 *  6. commits the release file (the workflow pushes the commit to main);
 *  7. prints what it did and how long each step took, and writes the
 *     report (`--report`) for the workflow's notification.
 *
 * Exit codes: 0 rolled back, 1 refused or failed, 2 usage, 3 nothing to roll back.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ENVIRONMENTS } from '../environments';
import { Environment, validateAll } from '../environments/validate';
import { releaseFile, runRelease } from './release-command';
import { ROOT } from '../environments/root';
import { changeLines, trafficOnlyProblems } from './rollback-guard';
import { terraform } from './terraform';

/* eslint-disable @typescript-eslint/no-explicit-any -- plan JSON */

/** A release analysis that did not pass, as the failed apply said it. */
export interface AnalysisFailure {
  readonly service: string;
  readonly when: 'pre' | 'post';
  /** The verdict, or what Terraform said of the Job. */
  readonly detail: string;
}

/** Terraform's diagnostics, unwrapped: box-drawing prefixes gone, one line. */
function unwrapped(log: string): string {
  return log
    .split('\n')
    .map((line) => line.replace(/^\s*[│╷╵]\s?/, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ');
}

/**
 * The analyses that failed, by service, from the output of a failed apply:
 * the Service precondition's message (before a switch) or a failed
 * analysis Job (before or after: a Job that hit its deadline or never ran).
 */
export function analysisFailures(log: string, services: readonly string[]): AnalysisFailure[] {
  const text = unwrapped(log);
  const found = new Map<string, AnalysisFailure>();
  // Longest first: a service named like another's prefix is matched by its own name.
  const byLength = [...services].sort((a, b) => b.length - a.length);
  for (const m of text.matchAll(
    /The analysis of (\S+) \S+(?: \(stage \d+\))? before the switch did not pass, so traffic did not move: (.*?)\. Its log:/g,
  )) {
    if (services.includes(m[1]!)) found.set(m[1]!, { service: m[1]!, when: 'pre', detail: m[2]! });
  }
  for (const m of text.matchAll(/job: [^/\s]+\/(\S+) is in failed state/g)) {
    const job = m[1]!;
    const service = byLength.find((s) => job.startsWith(`${s}-pre-`) || job.startsWith(`${s}-post-`));
    if (!service || found.has(service)) continue;
    const when = job.startsWith(`${service}-pre-`) ? 'pre' : 'post';
    found.set(service, { service, when, detail: `Job ${job} failed` });
  }
  return [...found.values()];
}

/** "the analysis after the switch failed: <detail>". */
export const failureText = (f: AnalysisFailure): string =>
  `the analysis ${f.when === 'pre' ? 'before' : 'after'} the switch failed: ${f.detail}`;

/** What a rollback does to the world; the command runs the real ones, tests their own. */
export interface RollbackSteps {
  /** `release <env> rollback --service <service>`; returns what it says. */
  release(service: string): string;
  synth(): void;
  /** Plans to a saved plan; returns the plan's JSON. */
  plan(): any;
  /** Applies the saved plan. */
  apply(): void;
  /** Commits the release file; returns the commit. */
  record(message: string): string;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export interface RollbackReport {
  readonly environment: string;
  readonly failures: readonly AnalysisFailure[];
  /** What the release command said, per service. */
  readonly moves: readonly string[];
  /** The plan's changes, by address. */
  readonly changes: readonly string[];
  /** Milliseconds each step took. */
  readonly timings: Readonly<Record<'release' | 'synth' | 'plan' | 'apply' | 'record', number>>;
  readonly commit: string;
}

export class RollbackRefused extends Error {
  constructor(
    public readonly problems: readonly string[],
    public readonly changes: readonly string[],
  ) {
    super(
      `the rollback plan changes more than traffic; nothing was applied:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
    this.name = 'RollbackRefused';
  }
}

/** Runs steps 2 to 6; throws RollbackRefused when the plan is more than a move of traffic. */
export function rollback(
  environment: string,
  failures: readonly AnalysisFailure[],
  steps: RollbackSteps,
): RollbackReport {
  const now = steps.now ?? Date.now;
  const log = steps.log ?? (() => undefined);
  const timings = { release: 0, synth: 0, plan: 0, apply: 0, record: 0 };
  const timed = <T>(step: keyof typeof timings, fn: () => T): T => {
    const start = now();
    const result = fn();
    timings[step] = now() - start;
    log(`${step}: ${timings[step]} ms`);
    return result;
  };
  const moves = timed('release', () => failures.map((f) => steps.release(f.service)));
  moves.forEach((m) => log(m));
  timed('synth', () => steps.synth());
  const plan = timed('plan', () => steps.plan());
  const changes = changeLines(plan);
  const problems = trafficOnlyProblems(plan);
  if (problems.length > 0) throw new RollbackRefused(problems, changes);
  timed('apply', () => steps.apply());
  const reasons = failures.map((f) => `${f.service}: ${failureText(f)}`);
  const message = [
    `Roll back ${environment}: ${failures.map((f) => f.service).join(', ')}`,
    '',
    ...reasons,
    '',
    ...moves,
    '',
    'Applied:',
    ...changes.map((c) => `  ${c}`),
  ].join('\n');
  const commit = timed('record', () => steps.record(message));
  return { environment, failures, moves, changes, timings, commit };
}

/** The report as Markdown, for the job summary and the notification. */
export function reportMarkdown(report: RollbackReport): string {
  const total = Object.values(report.timings).reduce((a, b) => a + b, 0);
  return [
    `### Automatic rollback: ${report.environment}`,
    '',
    ...report.failures.map((f) => `- **${f.service}**: ${failureText(f)}`),
    '',
    ...report.moves.map((m) => `- ${m}`),
    '',
    `Plan (checked: traffic only): ${report.changes.length} changes`,
    ...report.changes.map((c) => `- \`${c}\``),
    '',
    `Recorded in ${report.commit}. Took ${Math.round(total / 100) / 10} s: ${Object.entries(report.timings)
      .map(([k, v]) => `${k} ${Math.round(v / 100) / 10} s`)
      .join(', ')}.`,
  ].join('\n');
}

/** The real steps: the release command, synth, terraform in cdktf.out/stacks/<env>, git. */
export function realSteps(root: string, environment: string, log: (line: string) => void): RollbackSteps {
  const stackDir = join(root, 'cdktf.out', 'stacks', environment);
  const must = (cmd: string, args: readonly string[], cwd: string) => {
    const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    if (res.status !== 0)
      throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stdout ?? ''}${res.stderr ?? res.error?.message ?? ''}`);
    return res.stdout;
  };
  const tf = (args: readonly string[]) => {
    const res = terraform(args, { cwd: stackDir });
    if (res.status !== 0) throw new Error(`terraform ${args[0]} failed:\n${res.stdout}${res.stderr}`);
    return res.stdout;
  };
  return {
    release: (service) => {
      const out: string[] = [];
      const code = runRelease([environment, 'rollback', '--service', service], {
        root,
        out: (l) => out.push(l),
        err: (l) => out.push(l),
      });
      if (code !== 0)
        throw new Error(`release ${environment} rollback --service ${service} failed:\n${out.join('\n')}`);
      return out[0]!;
    },
    synth: () => must(process.execPath, ['bin/synth.mjs'], root),
    plan: () => {
      // Synth rewrote the stack directory: init again (the providers are cached).
      tf(['init', '-input=false', '-no-color']);
      tf(['plan', '-input=false', '-no-color', '-lock-timeout=120s', '-out=rollback.tfplan']);
      return JSON.parse(tf(['show', '-json', 'rollback.tfplan']));
    },
    apply: () => {
      log(
        tf(['apply', '-input=false', '-no-color', '-lock-timeout=120s', 'rollback.tfplan'])
          .trim()
          .split('\n')
          .slice(-3)
          .join('\n'),
      );
    },
    record: (message) => {
      const file = relative(root, releaseFile(root, environment));
      must('git', ['add', '--', file], root);
      must('git', ['commit', '--quiet', '-m', message, '--', file], root);
      return must('git', ['rev-parse', '--short', 'HEAD'], root).trim();
    },
    log,
  };
}

const USAGE = 'usage: npm run rollback -- <environment> --apply-log <file> [--report <file>]';

/** The arguments, or the usage error to print. */
export function parseRollbackArgs(
  args: readonly string[],
): { environment: string; applyLog: string; report?: string } | { error: string } {
  const [environment, ...rest] = args;
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i]!, rest[i + 1]];
    if (!['--apply-log', '--report'].includes(flag)) return { error: `unknown argument "${flag}"` };
    if (value === undefined || value.startsWith('-')) return { error: `${flag} needs a file` };
    if (flag in flags) return { error: `${flag} is given twice` };
    flags[flag] = value;
  }
  if (!environment || environment.startsWith('-')) return { error: 'name an environment' };
  if (!flags['--apply-log']) return { error: '--apply-log is required: the output of the failed apply' };
  return { environment, applyLog: flags['--apply-log'], report: flags['--report'] };
}

export interface RollbackOptions {
  readonly root: string;
  /** The steps for an environment. @default realSteps */
  readonly steps?: (env: string) => RollbackSteps;
  readonly environments?: readonly Environment[];
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

/** Runs the command; returns its exit code (see the module comment). */
export function runRollback(args: readonly string[], options: RollbackOptions): number {
  const out = options.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = options.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const parsed = parseRollbackArgs(args);
  if ('error' in parsed) {
    err(`error: ${parsed.error}`);
    err(USAGE);
    return 2;
  }
  const env = (options.environments ?? validateAll(ENVIRONMENTS)).find((e) => e.name === parsed.environment);
  if (!env) {
    err(`error: no environment "${parsed.environment}"`);
    return 2;
  }
  const failures = analysisFailures(
    readFileSync(parsed.applyLog, 'utf8'),
    env.services.map((s) => s.name),
  );
  if (failures.length === 0) {
    out(`no failed release analysis in ${parsed.applyLog}: nothing to roll back`);
    return 3;
  }
  for (const f of failures) out(`${env.name}/${f.service}: ${failureText(f)}`);
  try {
    const steps = (options.steps ?? ((e) => realSteps(options.root, e, out)))(env.name);
    const markdown = reportMarkdown(rollback(env.name, failures, steps));
    out(markdown);
    if (parsed.report) writeFileSync(parsed.report, `${markdown}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof RollbackRefused)) {
      err(`error: the rollback failed: ${(e as Error).message}`);
      return 1;
    }
    err(`error: ${e.message}`);
    err(
      'error: the release file change stays uncommitted in this checkout; a person decides (README, "Automatic rollback")',
    );
    return 1;
  }
}

/** `npm run rollback -- …` */
export const main = (args: readonly string[]): number => runRollback(args, { root: ROOT });
