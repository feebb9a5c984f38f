/**
 * The checks the deploy workflows run before they act, each on its own
 * evidence (git history, the GitHub API's answer), each refusing with one
 * line that says why and what to do:
 *
 *   deploy-checks.ts commit --sha <sha> --main <ref> [--deployed <sha>] [--supersedes <sha>]
 *       the commit is on main and descends from the commit recorded as
 *       deployed (a re-run of an old deploy, or one queued behind a
 *       rollback, is refused); `--supersedes` names the recorded commit a
 *       person chose to replace (a rollback whose record never reached main)
 *   deploy-checks.ts rollback-record --applied <sha> --environment <env>
 *       HEAD is one commit directly on the applied commit that changes only
 *       environments/<env>.release.json; prints HEAD
 *   deploy-checks.ts reviewers <github environment>
 *       a protected environment's GitHub environment requires reviewers
 *       and keeps people from approving their own run (read with `gh api`;
 *       an error answer is a refusal, never "no rules")
 *   deploy-checks.ts page-title --environment <env> --apply <outcome> [--rollback <code>] [--record <outcome>]
 *       the incident's title: what really happened
 *
 * Exit codes: 0 go on, 1 refused (the reason on stderr), 2 usage.
 */
import { spawnSync } from 'node:child_process';
import { UsageError, parseCommandArgs } from './args';
import { ConfigError } from '../core/errors';
import { ENVIRONMENTS } from '../environments';
import { ROOT } from '../environments/root';
import { Environment, validateAll } from '../environments/validate';
import { releaseFilePath } from '../core/names';

/** A refusal: the deploy stops, saying why. */
export class DeployRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployRefused';
  }
}

/** Runs git in `cwd`: the status and trimmed output. */
export type Git = (args: readonly string[]) => { status: number; out: string };

export const gitIn =
  (cwd: string): Git =>
  (args) => {
    const res = spawnSync('git', args, { cwd, encoding: 'utf8' });
    return { status: res.status ?? 1, out: `${res.stdout ?? ''}`.trim() };
  };

const COMMIT_ID = /^[0-9a-f]{40}$/;

function resolve(git: Git, what: string, ref: string): string {
  const res = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (res.status !== 0) throw new DeployRefused(`${what} ${ref} is not a commit of this repository`);
  return res.out;
}

function isAncestor(git: Git, ancestor: string, of: string): boolean {
  const res = git(['merge-base', '--is-ancestor', ancestor, of]);
  if (res.status > 1) throw new DeployRefused(`git merge-base failed for ${ancestor} and ${of}`);
  return res.status === 0;
}

export interface CommitCheck {
  readonly sha: string;
  /** The ref of main's head, e.g. origin/main. */
  readonly main: string;
  /** The commit recorded as deployed; empty or undefined before the first deploy. */
  readonly deployed?: string;
  /** The recorded commit a person chose to replace (exactly `deployed`). */
  readonly supersedes?: string;
}

/** Why the commit must not be deployed; returns a note when it may. */
export function checkCommit(git: Git, c: CommitCheck): string {
  const sha = resolve(git, 'the commit to deploy', c.sha);
  const main = resolve(git, 'main', c.main);
  if (!isAncestor(git, sha, main)) {
    throw new DeployRefused(`${sha} is not on main (${c.main} is ${main}): only merged commits are deployed`);
  }
  const deployed = (c.deployed ?? '').trim();
  if (deployed === '') return `${sha} is on main; nothing was deployed before`;
  if (!COMMIT_ID.test(deployed)) {
    throw new DeployRefused(`the recorded deployed commit is not a commit id (got "${deployed.slice(0, 80)}")`);
  }
  if (c.supersedes !== undefined && c.supersedes !== '') {
    if (c.supersedes !== deployed)
      throw new DeployRefused(`--supersedes names ${c.supersedes}, but the recorded deployed commit is ${deployed}`);
    return `${sha} is on main; it replaces the recorded ${deployed}, as a person chose`;
  }
  if (git(['cat-file', '-e', `${deployed}^{commit}`]).status !== 0) {
    throw new DeployRefused(
      `the recorded deployed commit ${deployed} is not in this repository: a rollback whose record did not reach main. ` +
        'Land its release file change on main (the incident issue has it), then deploy with supersedes set to that commit',
    );
  }
  if (!isAncestor(git, deployed, sha)) {
    throw new DeployRefused(
      `${sha} does not descend from the deployed commit ${deployed}: deploying it would undo what runs ` +
        '(a re-run of an older deploy, or one queued behind a rollback); deploy main’s head instead',
    );
  }
  return `${sha} is on main and descends from the deployed ${deployed}`;
}

/** The rollback's commit, checked: one commit on `applied`, only the release file. Returns its id. */
export function checkRollbackRecord(git: Git, applied: string, environment: string): string {
  const head = resolve(git, 'HEAD', 'HEAD');
  const base = resolve(git, 'the applied commit', applied);
  const parents = git(['rev-list', '--parents', '-n', '1', head]).out.split(' ').slice(1);
  if (parents.length !== 1 || parents[0] !== base) {
    throw new DeployRefused(
      `the rollback commit ${head} must sit directly on the applied commit ${base} (its parents: ${parents.join(', ') || 'none'})`,
    );
  }
  const file = releaseFilePath(environment);
  const changed = git(['diff', '--name-only', '--no-renames', base, head]).out.split('\n').filter(Boolean);
  if (changed.length !== 1 || changed[0] !== file) {
    throw new DeployRefused(
      `the rollback commit may change only ${file}; it changes ${changed.join(', ') || 'nothing'}`,
    );
  }
  return head;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the GitHub API's JSON, walked by shape */
/** Why the GitHub environment's answer does not protect the deploy, if it does not. */
export function reviewerProblems(answer: any, name: string): string[] {
  const rules: any[] = Array.isArray(answer?.protection_rules) ? answer.protection_rules : [];
  const rule = rules.find((r) => r?.type === 'required_reviewers');
  const reviewers = Array.isArray(rule?.reviewers) ? rule.reviewers.length : 0;
  if (answer?.name !== name) return [`the GitHub API did not answer with the environment ${name}`];
  if (!rule || reviewers === 0) return [`the GitHub environment ${name} has no required reviewers`];
  return rule.prevent_self_review === true
    ? []
    : [`the GitHub environment ${name} lets a person approve their own run (set "Prevent self-review")`];
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Whether the GitHub environment `name` must have reviewers, by the environment files. */
export function reviewersRequired(envs: readonly Environment[], name: string): boolean {
  const preview = envs.find((e) => `${e.name}-preview` === name);
  if (preview) return preview.previewApproval ?? preview.protect;
  const env = envs.find((e) => e.name === name);
  if (!env) throw new DeployRefused(`no environment file matches the GitHub environment ${name}`);
  return env.protect;
}

export interface PageFacts {
  readonly environment: string;
  /** The apply step's outcome: failure or cancelled (a timeout cancels). */
  readonly apply: string;
  /** The rollback command's exit code; empty when it did not run. */
  readonly rollback?: string;
  /** The record step's outcome; empty when it did not run. */
  readonly record?: string;
}

/** The incident's title: what happened and whether it was undone and recorded. */
export function pageTitle(f: PageFacts): string {
  const what =
    f.apply === 'cancelled'
      ? 'the apply was cancelled or timed out'
      : f.apply !== 'failure'
        ? 'the deploy failed before its apply'
        : f.rollback === '0'
          ? 'a release analysis failed'
          : 'the apply failed';
  if (f.rollback === '0') {
    return f.record === 'success'
      ? `${f.environment}: ${what}; rolled back and recorded on main`
      : `${f.environment}: ${what}; rolled back, but the record did not reach main (deploys stop until it does)`;
  }
  const why =
    f.rollback === '3'
      ? 'no failed analysis in state'
      : f.rollback === '1'
        ? 'the rollback was refused or failed'
        : 'no rollback ran';
  return `${f.environment}: ${what}; NOT rolled back (${why})`;
}

/** The GitHub environment's settings, by the GitHub CLI with the job's token. */
function ghEnvironment(name: string): string {
  const repo = process.env.GITHUB_REPOSITORY ?? '';
  const res = spawnSync('gh', ['api', `repos/${repo}/environments/${name}`], { encoding: 'utf8' });
  if (res.status !== 0) {
    const why = `${res.stderr ?? ''}`.trim().split('\n')[0] || res.error?.message || `exit ${res.status}`;
    throw new DeployRefused(`cannot read the GitHub environment ${name} (${why}): treated as unprotected`);
  }
  return res.stdout;
}

const USAGE = [
  'usage: node bin/ts.mjs bin/deploy-checks.ts commit --sha <sha> --main <ref> [--deployed <sha>] [--supersedes <sha>]',
  '       node bin/ts.mjs bin/deploy-checks.ts rollback-record --applied <sha> --environment <env>',
  '       node bin/ts.mjs bin/deploy-checks.ts reviewers <github environment>',
  '       node bin/ts.mjs bin/deploy-checks.ts page-title --environment <env> --apply <outcome> [--rollback <code>] [--record <outcome>]',
].join('\n');

const OPTIONS = {
  sha: { type: 'string', mayBeEmpty: true },
  main: { type: 'string', mayBeEmpty: true },
  deployed: { type: 'string', mayBeEmpty: true },
  supersedes: { type: 'string', mayBeEmpty: true },
  applied: { type: 'string', mayBeEmpty: true },
  environment: { type: 'string', mayBeEmpty: true },
  apply: { type: 'string', mayBeEmpty: true },
  rollback: { type: 'string', mayBeEmpty: true },
  record: { type: 'string', mayBeEmpty: true },
} as const;

export interface DeployChecksIo {
  readonly git?: Git;
  /** The GitHub API's answer for a GitHub environment. @default `gh api repos/$GITHUB_REPOSITORY/environments/<name>` */
  readonly githubEnvironment?: (name: string) => string;
  readonly environments?: () => readonly Environment[];
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

type Values = Partial<Record<keyof typeof OPTIONS, string>>;

function need(values: Values, ...names: (keyof typeof OPTIONS)[]): void {
  const missing = names.filter((n) => !values[n]);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(', ')}`);
}

function dispatch(command: string | undefined, rest: string[], values: Values, io: Required<DeployChecksIo>): string {
  if (command === 'commit') {
    need(values, 'sha', 'main');
    return checkCommit(io.git, {
      sha: values.sha!,
      main: values.main!,
      deployed: values.deployed,
      supersedes: values.supersedes,
    });
  }
  if (command === 'rollback-record') {
    need(values, 'applied', 'environment');
    return checkRollbackRecord(io.git, values.applied!, values.environment!);
  }
  if (command === 'reviewers' && rest.length === 1) {
    const name = rest[0]!;
    if (!reviewersRequired(io.environments(), name)) return `${name} needs no reviewers (the environment file says so)`;
    let answer: unknown;
    try {
      answer = JSON.parse(io.githubEnvironment(name));
    } catch (e) {
      if (e instanceof DeployRefused) throw e;
      throw new DeployRefused(`the GitHub API's answer for ${name} is not JSON: treated as unprotected`);
    }
    const problems = reviewerProblems(answer, name);
    if (problems.length > 0) throw new DeployRefused(`${problems.join('; ')} (docs/github-setup.md)`);
    return `${name} requires reviewers, and nobody approves their own run`;
  }
  if (command === 'page-title') {
    need(values, 'environment', 'apply');
    return pageTitle({
      environment: values.environment!,
      apply: values.apply!,
      rollback: values.rollback,
      record: values.record,
    });
  }
  throw new UsageError(command ? `unknown command "${command}"` : 'name a command');
}

export function runDeployChecks(args: readonly string[], io: DeployChecksIo = {}): number {
  const full: Required<DeployChecksIo> = {
    git: io.git ?? gitIn(ROOT),
    githubEnvironment: io.githubEnvironment ?? ghEnvironment,
    environments: io.environments ?? (() => validateAll(ENVIRONMENTS)),
    out: io.out ?? console.log,
    err: io.err ?? console.error,
  };
  try {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    const [command, ...rest] = positionals;
    full.out(dispatch(command, rest, values, full));
    return 0;
  } catch (e) {
    if (e instanceof DeployRefused || e instanceof ConfigError) {
      full.err(`error: ${e.message}`);
      return 1;
    }
    if (!(e instanceof UsageError)) throw e;
    full.err(`error: ${e.message.split('\n')[0]}`);
    full.err(USAGE);
    return 2;
  }
}

export const main = (args: readonly string[]): number => runDeployChecks(args);
