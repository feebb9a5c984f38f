/**
 * The checks the deploy workflows run before they act, against a real git
 * repository: each planted defect (a commit not on main, one that does not
 * descend from the deployed commit, a rollback commit touching a second
 * file or not sitting on the applied commit, a GitHub environment without
 * reviewers, a tampered plan) is refused with its reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeployRefused,
  checkCommit,
  checkRollbackRecord,
  gitIn,
  pageTitle,
  reviewerProblems,
  runDeployChecks,
} from '../../bin/deploy-checks';
import { SealRefused, open, runPlanSeal, seal, sha256 } from '../../bin/plan-seal';
import { environment } from '../helpers';

let dir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
const commit = (file: string, content: string, message = file) => {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), content);
  git('add', file);
  git('commit', '--quiet', '-m', message);
  return git('rev-parse', 'HEAD');
};

/** main: a ← b ← c; a branch x off b that never merged. */
let a: string, b: string, c: string, x: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-checks-'));
  git('init', '--quiet', '--initial-branch=main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  a = commit('environments/production.release.json', '{"v":1}\n');
  b = commit('README.md', 'b\n');
  git('checkout', '--quiet', '-b', 'x');
  x = commit('other.txt', 'x\n');
  git('checkout', '--quiet', 'main');
  c = commit('README.md', 'c\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a deploy checks the commit it deploys', () => {
  const check = (sha: string, deployed?: string, supersedes?: string) =>
    checkCommit(gitIn(dir), { sha, main: 'main', deployed, supersedes });

  it('deploys a commit on main that descends from the deployed one', () => {
    expect(check(c, b)).toBe(`${c} is on main and descends from the deployed ${b}`);
    expect(check(c, c)).toMatch(/descends from the deployed/);
    expect(check(a)).toBe(`${a} is on main; nothing was deployed before`);
  });

  it('refuses a commit that is not on main', () => {
    expect(() => check(x, a)).toThrow(
      new DeployRefused(`${x} is not on main (main is ${c}): only merged commits are deployed`),
    );
  });

  it('refuses an older commit than the deployed one: a re-run, or a deploy queued behind a rollback', () => {
    expect(() => check(b, c)).toThrow(/does not descend from the deployed commit .*deploy main’s head instead/);
  });

  it('refuses when the deployed commit is not in the repository, unless a person names it as superseded', () => {
    const lost = 'f'.repeat(40);
    expect(() => check(c, lost)).toThrow(/not in this repository: a rollback whose record did not reach main/);
    expect(check(c, lost, lost)).toMatch(/replaces the recorded f{40}, as a person chose/);
    expect(() => check(c, lost, 'e'.repeat(40))).toThrow(
      /--supersedes names e{40}, but the recorded deployed commit is f{40}/,
    );
  });

  it('refuses a recorded value that is no commit id, and a commit that does not exist', () => {
    expect(() => check(c, 'hello')).toThrow(/the recorded deployed commit is not a commit id \(got "hello"\)/);
    expect(() => check('0'.repeat(40))).toThrow(/the commit to deploy 0{40} is not a commit of this repository/);
  });
});

describe('the rollback’s record', () => {
  const record = (applied: string) => checkRollbackRecord(gitIn(dir), applied, 'production');
  afterEach(() => git('checkout', '--quiet', '--force', 'main'));

  function rollbackCommit(on: string, files: Record<string, string>): string {
    git('checkout', '--quiet', '--detach', on);
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
    git('add', ...Object.keys(files));
    git('commit', '--quiet', '-m', 'Roll back production');
    return git('rev-parse', 'HEAD');
  }

  it('is one commit on the applied commit, changing only the release file', () => {
    const head = rollbackCommit(c, { 'environments/production.release.json': '{"v":0}\n' });
    expect(record(c)).toBe(head);
  });

  it('refuses a commit that changes a second file', () => {
    rollbackCommit(c, { 'environments/production.release.json': '{"v":0}\n', 'README.md': 'evil\n' });
    expect(() => record(c)).toThrow(
      'the rollback commit may change only environments/production.release.json; it changes README.md, environments/production.release.json',
    );
  });

  it('refuses a commit that does not sit directly on the applied commit', () => {
    rollbackCommit(b, { 'environments/production.release.json': '{"v":0}\n' });
    expect(() => record(c)).toThrow(/must sit directly on the applied commit/);
  });
});

describe('approval that cannot silently vanish', () => {
  const answer = (rules: unknown[], name = 'production') => ({ name, protection_rules: rules });
  const reviewers = (n: number, preventSelfReview = true) => ({
    type: 'required_reviewers',
    prevent_self_review: preventSelfReview,
    reviewers: Array.from({ length: n }, (_, i) => ({ type: 'User', reviewer: { login: `r${i}` } })),
  });

  it('accepts required reviewers who cannot approve their own run', () => {
    expect(reviewerProblems(answer([{ type: 'wait_timer' }, reviewers(2)]), 'production')).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['no rule', answer([]), /has no required reviewers/],
    ['a rule with nobody', answer([reviewers(0)]), /has no required reviewers/],
    ['self-review allowed', answer([reviewers(1, false)]), /approve their own run/],
    ['an error answer', { message: 'Not Found', status: '404' }, /did not answer with the environment production/],
  ])('refuses %s', (_what, given, problem) => {
    expect(reviewerProblems(given, 'production').join()).toMatch(problem);
  });

  const run = (name: string, answerText: string) => {
    const out: string[] = [];
    const code = runDeployChecks(['reviewers', name], {
      githubEnvironment: (asked) => {
        if (asked !== name) throw new Error(`asked for ${asked}`);
        if (answerText === 'HTTP 502')
          throw new DeployRefused('cannot read the GitHub environment x (HTTP 502): treated as unprotected');
        return answerText;
      },
      environments: () => [environment('staging'), environment('production')],
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    return { code, out: out.join('\n') };
  };

  it('asks the environment files which GitHub environments need reviewers, and treats an API error as unprotected', () => {
    expect(run('staging', '')).toEqual({ code: 0, out: 'staging needs no reviewers (the environment file says so)' });
    expect(run('production', 'gh: Not Found (HTTP 404)')).toEqual({
      code: 1,
      out: "error: the GitHub API's answer for production is not JSON: treated as unprotected",
    });
    expect(run('production-preview', JSON.stringify(answer([], 'production-preview'))).out).toMatch(
      /production-preview has no required reviewers/,
    );
    expect(run('production', JSON.stringify(answer([reviewers(1)]))).code).toBe(0);
    expect(run('production', 'HTTP 502')).toEqual({
      code: 1,
      out: 'error: cannot read the GitHub environment x (HTTP 502): treated as unprotected',
    });
    expect(run('nowhere', '{}')).toEqual({
      code: 1,
      out: 'error: no environment file matches the GitHub environment nowhere',
    });
  });
});

describe('the page says what really happened', () => {
  it.each<[Record<string, string>, string]>([
    [
      { apply: 'failure', rollback: '0', record: 'success' },
      'production: a release analysis failed; rolled back and recorded on main',
    ],
    [
      { apply: 'failure', rollback: '0', record: 'failure' },
      'production: a release analysis failed; rolled back, but the record did not reach main (deploys stop until it does)',
    ],
    [
      { apply: 'failure', rollback: '3' },
      'production: the apply failed; NOT rolled back (no failed analysis in state)',
    ],
    [
      { apply: 'failure', rollback: '1' },
      'production: the apply failed; NOT rolled back (the rollback was refused or failed)',
    ],
    [{ apply: 'cancelled' }, 'production: the apply was cancelled or timed out; NOT rolled back (no rollback ran)'],
    [{ apply: 'skipped' }, 'production: the deploy failed before its apply; NOT rolled back (no rollback ran)'],
  ])('%j', (facts, title) => {
    expect(pageTitle({ environment: 'production', apply: '', ...facts })).toBe(title);
  });

  it('is printed by the command the workflow runs, which refuses a missing outcome', () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(runDeployChecks(['page-title', '--environment', 'staging', '--apply', 'cancelled'], io)).toBe(0);
    expect(runDeployChecks(['page-title', '--environment', 'staging'], io)).toBe(2);
    expect(out.slice(0, 2)).toEqual([
      'staging: the apply was cancelled or timed out; NOT rolled back (no rollback ran)',
      'error: missing --apply',
    ]);
  });
});

describe('the reviewed plan is the applied plan', () => {
  const secret = 'k'.repeat(64);
  const planBytes = Buffer.from('a saved plan\u0000with binary\u00ff');
  const context = `production:${'a'.repeat(40)}:123`;

  it('opens what it sealed, for the same context and digest', () => {
    const sealed = seal(planBytes, secret, context);
    expect(sealed.includes(planBytes)).toBe(false);
    expect(open(sealed, secret, context, sha256(planBytes))).toEqual(planBytes);
  });

  it.each<[string, (s: Buffer) => [Buffer, string, string, string]]>([
    [
      'a changed byte',
      (s) => [Buffer.from(s.map((v, i) => (i === 40 ? v ^ 1 : v))), secret, context, sha256(planBytes)],
    ],
    ['another environment', (s) => [s, secret, context.replace('production', 'staging'), sha256(planBytes)]],
    ['another key', (s) => [s, 'j'.repeat(64), context, sha256(planBytes)]],
  ])('refuses %s', (_what, tamper) => {
    const sealed = seal(planBytes, secret, context);
    expect(() => open(...tamper(sealed))).toThrow(/fails authentication/);
  });

  it('refuses a plan other than the reviewed one, a short key and what is not sealed', () => {
    const sealed = seal(planBytes, secret, context);
    expect(() => open(sealed, secret, context, sha256(Buffer.from('another plan')))).toThrow(
      /the plan's SHA-256 is [0-9a-f]{64}, not the reviewed/,
    );
    expect(() => seal(planBytes, 'short', context)).toThrow(SealRefused);
    expect(() => open(Buffer.from('Salted__xxxxxxxx'), secret, context, '')).toThrow('not a sealed plan');
  });

  it('works as the workflow calls it: seal prints the digest, open writes the plan', () => {
    const plain = join(dir, 'tfplan');
    writeFileSync(plain, planBytes);
    const out: string[] = [];
    const env = { PLAN_ENCRYPTION_KEY: secret };
    const say = (l: string) => out.push(l);
    expect(runPlanSeal(['seal', '--context', context, plain, `${plain}.sealed`], env, say, say)).toBe(0);
    expect(out[0]).toBe(sha256(planBytes));
    rmSync(plain);
    const args = ['open', '--context', context, '--sha256', out[0]!, `${plain}.sealed`, plain];
    expect(runPlanSeal(args, env, say, say)).toBe(0);
    expect(readFileSync(plain)).toEqual(planBytes);
    expect(runPlanSeal(['open', '--context', context, `${plain}.sealed`, plain], env, say, say)).toBe(2);
    expect(runPlanSeal(args, { PLAN_ENCRYPTION_KEY: 'x'.repeat(40) }, say, say)).toBe(1);
    expect(out.at(-1)).toMatch(/^error: the sealed plan fails authentication/);
  });
});
