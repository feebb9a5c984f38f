/**
 * npm run rollback -- <environment> [--report <file>]
 *
 * The automatic rollback after a failed release analysis, step by step:
 *
 *  1. reads the verdicts of this environment's current switches from
 *     Terraform's state (the records ReleaseAnalysis keeps, verdict.ts):
 *     a FAIL whose namespace, service, release and stage are the release
 *     file's switch is evidence; any other verdict is not, and is named
 *     (an INCONCLUSIVE one: a person decides); no evidence: exit 3;
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
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError, parseCommandArgs } from './args';
import { ConfigError } from '../core/errors';
import { releaseName } from '../core/image';
import { ENVIRONMENTS } from '../environments';
import { Environment, validateAll } from '../environments/validate';
import { AnalysisIdentity, identityMismatches, verdictsInState } from '../features/release/analysis/verdict';
import { releaseFile, runRelease } from './release-command';
import { ROOT } from '../environments/root';
import { changeLines, rollbackTarget, trafficOnlyProblems } from './rollback-guard';
import { terraform } from './terraform';

/* eslint-disable @typescript-eslint/no-explicit-any -- plan JSON */

/** A release analysis that did not pass, as its verdict in state says. */
export interface AnalysisFailure {
  readonly service: string;
  readonly when: 'pre' | 'post';
  /** The verdict's summary: the failing check and its value. */
  readonly detail: string;
}

/** What the state says of the environment's current switches. */
export interface Evidence {
  /** Failed analyses of this very switch: what the rollback acts on. */
  readonly failures: AnalysisFailure[];
  /** Verdicts and records that are no evidence for a rollback, and why. */
  readonly ignored: string[];
}

/** The analyses of each service's current switch, by the release file: what a verdict must be about to count. */
export function currentSwitches(env: Environment): AnalysisIdentity[] {
  return env.services.flatMap((svc) => {
    const release = env.release.services[svc.name];
    if (!release || release.phase !== 'switched' || release.skipAnalysis) return [];
    const { image, stage } = release[release.live];
    if (!image) return [];
    const base = { namespace: env.namespace, service: svc.name, release: releaseName(image), stage };
    return [
      { ...base, when: 'pre' as const },
      { ...base, when: 'post' as const },
    ];
  });
}

/**
 * The evidence in state for rolling back `env`: a FAIL verdict of one of
 * its current switches. A verdict of another environment, service,
 * release or stage, a PASS, an INCONCLUSIVE one (no evidence of harm: a
 * person decides) and an unreadable record are named, never acted on.
 */
export function analysisEvidence(state: any, env: Environment): Evidence {
  const expected = currentSwitches(env);
  const failures: AnalysisFailure[] = [];
  const ignored: string[] = [];
  for (const record of verdictsInState(state)) {
    const v = record.verdict;
    if (!v) {
      ignored.push(`${record.address}: ${record.problem}`);
      continue;
    }
    const what = `the analysis ${v.when === 'pre' ? 'before' : 'after'} the switch of ${v.service} ${v.release}${v.stage === undefined ? '' : ` (stage ${v.stage})`}`;
    const candidates = expected.filter((e) => e.service === v.service && e.when === v.when);
    const mismatches =
      candidates.length === 0
        ? [`${v.namespace}/${v.service} has no switch in ${env.name}'s release file`]
        : identityMismatches(v, candidates[0]!);
    if (mismatches.length > 0) {
      ignored.push(`${what} (${v.verdict}) is not about ${env.name}'s current switch: ${mismatches.join(', ')}`);
    } else if (v.verdict === 'FAIL') {
      if (!failures.some((f) => f.service === v.service))
        failures.push({ service: v.service, when: v.when, detail: v.summary });
    } else if (v.verdict === 'INCONCLUSIVE') {
      ignored.push(
        `${what} gave no verdict (${v.summary}): no evidence of harm, so no automatic rollback; a person decides: ` +
          `npm run release -- ${env.name} finish --service ${v.service} keeps it, … rollback --service ${v.service} moves traffic back`,
      );
    }
  }
  return { failures, ignored };
}

/** "the analysis after the switch failed: <detail>". */
export const failureText = (f: AnalysisFailure): string =>
  `the analysis ${f.when === 'pre' ? 'before' : 'after'} the switch failed: ${f.detail}`;

/** What a rollback does to the world; the command runs the real ones, tests their own. */
export interface RollbackSteps {
  /** Terraform's state of the environment, as `terraform show -json` writes it. */
  state(): any;
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
export function rollback(env: Environment, failures: readonly AnalysisFailure[], steps: RollbackSteps): RollbackReport {
  const environment = env.name;
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
  const problems = trafficOnlyProblems(
    plan,
    rollbackTarget(
      env,
      failures.map((f) => f.service),
    ),
  );
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

/**
 * The rollback's plan: against the state, without reading every resource
 * back first (`-refresh=false`: the refresh is most of a plan's time, and a
 * rollback changes one thing, checked by the traffic-only guard; drift is
 * the drift check's to find, not the recovery's to fix). Data sources are
 * still read.
 */
export const ROLLBACK_PLAN_ARGS = ['-input=false', '-no-color', '-refresh=false'] as const;

/** Runs one phase of the rollback's plan and logs its time (`  plan, <what>: <ms> ms`). */
export function planPhase<T>(log: (line: string) => void, what: string, fn: () => T): T {
  const start = Date.now();
  const result = fn();
  log(`  plan, ${what}: ${Date.now() - start} ms`);
  return result;
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
    state: () => {
      tf(['init', '-input=false', '-no-color']);
      return JSON.parse(tf(['show', '-json', '-no-color']));
    },
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
      const phase = <T>(what: string, fn: () => T) => planPhase(log, what, fn);
      // Synth rewrote the stack directory: init again (the providers are cached).
      phase('init', () => tf(['init', '-input=false', '-no-color']));
      phase('plan', () => tf(['plan', ...ROLLBACK_PLAN_ARGS, '-lock-timeout=120s', '-out=rollback.tfplan']));
      return phase('show', () => JSON.parse(tf(['show', '-json', 'rollback.tfplan'])));
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

const USAGE = 'usage: npm run rollback -- <environment> [--report <file>]';

/** The arguments, or the usage error to print. */
export function parseRollbackArgs(
  args: readonly string[],
): { environment: string; report?: string } | { error: string } {
  try {
    const { values, positionals } = parseCommandArgs(args, { report: { type: 'string', value: 'a file' } });
    const [environment, ...extra] = positionals;
    if (!environment) return { error: 'name an environment' };
    if (extra.length > 0) return { error: `unexpected argument "${extra[0]}"` };
    return { environment, report: values.report };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { error: e.message };
  }
}

export interface RollbackOptions {
  readonly root: string;
  /** The steps for an environment. @default realSteps */
  readonly steps?: (env: string) => RollbackSteps;
  readonly environments?: readonly Environment[];
  /** Validates the environment files. @default validateAll(ENVIRONMENTS) */
  readonly validate?: () => readonly Environment[];
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
  let environments: readonly Environment[];
  try {
    environments = options.environments ?? (options.validate ?? (() => validateAll(ENVIRONMENTS)))();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`error: the environment files are not valid, so nothing can be rolled back by this command:\n${e.message}`);
    return 1;
  }
  const env = environments.find((e) => e.name === parsed.environment);
  if (!env) {
    err(`error: no environment "${parsed.environment}" (environments: ${environments.map((e) => e.name).join(', ')})`);
    return 2;
  }
  try {
    const steps = (options.steps ?? ((e) => realSteps(options.root, e, out)))(env.name);
    const evidence = analysisEvidence(steps.state(), env);
    for (const line of evidence.ignored) out(`not acted on: ${line}`);
    if (evidence.failures.length === 0) {
      const nothing = `no failed release analysis of ${env.name}'s current switch in its state: nothing to roll back`;
      out(nothing);
      if (parsed.report) {
        const lines = [`### No automatic rollback: ${env.name}`, '', nothing, ...evidence.ignored.map((l) => `- ${l}`)];
        writeFileSync(parsed.report, `${lines.join('\n')}\n`);
      }
      return 3;
    }
    for (const f of evidence.failures) out(`${env.name}/${f.service}: ${failureText(f)}`);
    const markdown = reportMarkdown(rollback(env, evidence.failures, steps));
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
      'error: the release file change stays uncommitted in this checkout; a person decides (docs/delivery.md, "Automatic rollback")',
    );
    return 1;
  }
}

/** `npm run rollback -- …` */
export const main = (args: readonly string[]): number => runRollback(args, { root: ROOT });
