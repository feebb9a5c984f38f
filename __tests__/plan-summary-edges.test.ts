/**
 * plan:summary at its edges: every kind of change in one plan, its whole
 * output written out (the format is the behaviour); each malformed entry
 * with its message; the size limits at their boundaries; the stack names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SUMMARY_CHARS, parsePlan, runPlanSummary, stackName, summarize } from '../bin/plan-summary-command';

const EVERY_KIND = readFileSync(join(__dirname, 'fixtures/plans/every-kind.json'), 'utf8');

describe('plan summary, exactly', () => {
  it('says each kind of change as the README shows: drift, traffic, images, counts, caution, table, list', () => {
    expect(summarize([{ stack: 'production', plan: parsePlan('p.json', EVERY_KIND) }]).split('\n')).toEqual([
      '**production: 2 changed outside Terraform** (drift):',
      '- `kubernetes_config_map_v1.tweaked`: data.a',
      '- `aws_s3_bucket.lost`: deleted outside Terraform',
      '**production: mls-server traffic blue → green after analysis: 2 smoke checks**',
      'production: `ghcr.io/catbird/mls-server:1.5.0` staged to mls-server-green (was `ghcr.io/catbird/mls-server:1.4.2`)',
      'production: `ghcr.io/catbird/mls-two:0.1.0` staged to mls-two-blue',
      '**production**: 1 to add, 4 to change, 1 to replace, 2 to destroy, 1 to forget (no longer managed, left in place).',
      '',
      '> [!CAUTION]',
      '> Destructive changes to protected resources:',
      '> - **production**: replaces `aws_s3_bucket.backups`',
      '> - **production**: destroys `aws_db_snapshot.old`',
      '',
      '#### production',
      '',
      '| resource type | add | change | replace | destroy | forget |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      '| `aws_db_snapshot` | 0 | 0 | 0 | 1 | 0 |',
      '| `aws_s3_bucket` | 0 | 0 | 1 | 0 | 0 |',
      '| `kubernetes_deployment_v1` | 1 | 2 | 0 | 1 | 0 |',
      '| `kubernetes_secret_v1` | 0 | 0 | 0 | 0 | 1 |',
      '| `kubernetes_service_v1` | 0 | 2 | 0 | 0 | 0 |',
      '',
      '<details><summary>production: all 9 changes</summary>',
      '',
      '- `~` `kubernetes_service_v1.live`',
      '- `~` `kubernetes_service_v1.preview`',
      '- `~` `kubernetes_deployment_v1.green`',
      '- `+` `kubernetes_deployment_v1.new`',
      '- `-` `kubernetes_deployment_v1.gone`',
      '- `~` `kubernetes_deployment_v1.same`',
      '- `-/+` `aws_s3_bucket.backups`',
      '- `-` `aws_db_snapshot.old`',
      '- `.` `kubernetes_secret_v1.old`',
      '',
      '</details>',
      '',
    ]);
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- plan JSON */
const entry = (over: Record<string, unknown>) => ({
  address: 'aws_s3_bucket.b',
  type: 'aws_s3_bucket',
  change: { actions: ['create'], before: null, after: {} },
  ...over,
});
const planOf = (changes: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ format_version: '1.2', resource_changes: changes, ...extra });
const problem = (text: string) => {
  try {
    parsePlan('p.json', text);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('malformed plans, each named', () => {
  it.each<[string, string, string]>([
    ['null entry', planOf([null]), 'p.json: malformed plan:\n  resource_changes[0] is null, not an object'],
    ['a string entry', planOf(['x']), 'p.json: malformed plan:\n  resource_changes[0] is string, not an object'],
    ['an array entry', planOf([[]]), 'p.json: malformed plan:\n  resource_changes[0] is object, not an object'],
    ['no address', planOf([entry({ address: '' })]), 'p.json: malformed plan:\n  resource_changes[0] has no address'],
    [
      'a numeric address',
      planOf([entry({ address: 7 })]),
      'p.json: malformed plan:\n  resource_changes[0] has no address',
    ],
    [
      'no type',
      planOf([entry({ type: '' })]),
      'p.json: malformed plan:\n  resource_changes[0] (aws_s3_bucket.b) has no type',
    ],
    [
      'a numeric type',
      planOf([entry({ type: 1 })]),
      'p.json: malformed plan:\n  resource_changes[0] (aws_s3_bucket.b) has no type',
    ],
    [
      'no change',
      planOf([entry({ change: null })]),
      'p.json: malformed plan:\n  resource_changes[0] (aws_s3_bucket.b) has no change object',
    ],
    [
      'a string change',
      planOf([entry({ change: 'x' })]),
      'p.json: malformed plan:\n  resource_changes[0] (aws_s3_bucket.b) has no change object',
    ],
    [
      'empty actions',
      planOf([entry({ change: { actions: [] } })]),
      'p.json: malformed plan:\n  resource_changes[0] (aws_s3_bucket.b) change.actions must be a list of strings (got [])',
    ],
    [
      'a number in actions',
      planOf([entry({ change: { actions: ['create', 1] } })]),
      'p.json: malformed plan:\n  resource_changes[0] (aws_s3_bucket.b) change.actions must be a list of strings (got ["create",1])',
    ],
    [
      'no actions',
      planOf([entry({ change: {} })]),
      'p.json: malformed plan:\n  resource_changes[0] (aws_s3_bucket.b) change.actions must be a list of strings (got undefined)',
    ],
    [
      'long actions, cut at 40',
      planOf([entry({ change: { actions: [`${'x'.repeat(50)}`, 2] } })]),
      `p.json: malformed plan:\n  resource_changes[0] (aws_s3_bucket.b) change.actions must be a list of strings (got ["${'x'.repeat(38)})`,
    ],
    [
      'an unknown action',
      planOf([entry({ change: { actions: ['explode'] } })]),
      'p.json: malformed plan:\n  resource_changes[0] (aws_s3_bucket.b) change.actions has an unknown action "explode"',
    ],
    [
      'a bad drift entry',
      planOf([], { resource_drift: [entry({ type: '' })] }),
      'p.json: malformed plan:\n  resource_drift[0] (aws_s3_bucket.b) has no type',
    ],
    [
      'resource_changes not a list',
      JSON.stringify({ format_version: '1', resource_changes: {} }),
      'p.json: not a Terraform plan (resource_changes is not a list)',
    ],
    [
      'resource_drift not a list',
      planOf([], { resource_drift: {} }),
      'p.json: not a Terraform plan (resource_drift is not a list)',
    ],
    ['an array', '[]', 'p.json: not a Terraform plan (no format_version); pass the output of terraform show -json'],
    ['null', 'null', 'p.json: not a Terraform plan (no format_version); pass the output of terraform show -json'],
    [
      'a numeric format_version',
      JSON.stringify({ format_version: 1, resource_changes: [] }),
      'p.json: not a Terraform plan (no format_version); pass the output of terraform show -json',
    ],
    [
      'a state file',
      JSON.stringify({ format_version: '1.0', values: {} }),
      'p.json: not a Terraform plan (no resource_changes or planned_values: a state file or a provider schema?); pass the output of terraform show -json <planfile>',
    ],
    ['blank', ' \n', 'p.json: empty file, expected the output of terraform show -json'],
  ])('%s', (_, text, message) => {
    expect(problem(text)).toBe(message);
  });

  it.each<[string, string]>([
    ['planned_values only', JSON.stringify({ format_version: '1.2', planned_values: {} })],
    ['a failed plan', JSON.stringify({ format_version: '1.2', errored: true })],
    ['a byte-order mark first', `\ufeff${planOf([])}`],
  ])('accepts %s', (_, text) => expect(problem(text)).toBe('accepted'));

  it('keeps a byte-order mark that is not the first character (it is data)', () => {
    const plan = parsePlan('p.json', planOf([entry({ address: 'aws_s3_bucket.\ufeffb' })])) as any;
    expect(plan.resource_changes[0].address).toBe('aws_s3_bucket.\ufeffb');
  });

  it('reports exactly 20 malformed entries in full, and counts from the 21st', () => {
    const bad = (n: number) => problem(planOf(Array.from({ length: n }, () => null))).split('\n');
    expect(bad(20)).toHaveLength(21);
    expect(bad(20).at(-1)).toBe('  resource_changes[19] is null, not an object');
    expect(bad(21)).toHaveLength(22);
    expect(bad(21).at(-1)).toBe('  …and 1 more malformed entries');
  });

  it('measures depth through objects as well as lists', () => {
    const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const plan = (levels: number) =>
      `{"format_version":"1.2","resource_changes":[],"planned_values":${nested(levels - 1)}}`;
    expect(problem(plan(1000))).toBe('accepted');
    expect(problem(plan(1001))).toMatch(/nests deeper than 1000 levels/);
    // Strings and numbers are no level: a long flat list is shallow.
    expect(problem(`{"format_version":"1.2","resource_changes":[],"planned_values":[${'"x",'.repeat(5000)}1]}`)).toBe(
      'accepted',
    );
  });
});

describe('the stack a plan file is of', () => {
  it.each([
    ['plans/production.json', 'production'],
    ['plans/production.plan.json', 'production'],
    ['plans/production.redacted.json', 'production'],
    ['plans/production.plan.redacted.json', 'production'],
    ['cdktf.out/stacks/staging/plan.json', 'staging'],
    ['cdktf.out/stacks/staging/tfplan.json', 'staging'],
    ['cdktf.out/stacks/staging/plan.redacted.json', 'staging'],
    ['plans/json.production.json', 'json.production'],
    ['plans/production.jsonx', 'production.jsonx'],
  ])('%s is %s', (file, stack) => expect(stackName(file)).toBe(stack));
});

describe('the summary fits a GitHub comment', () => {
  const change = (i: number) =>
    entry({ address: `kubernetes_config_map_v1.c${String(i).padStart(6, '0')}`, type: 'kubernetes_config_map_v1' });
  const summary = (...sizes: number[]) =>
    summarize(
      sizes.map((n, s) => ({
        stack: `s${s}`,
        plan: parsePlan('p.json', planOf(Array.from({ length: n }, (_, i) => change(i)))),
      })),
    );

  it('lists every change while they fit, and says how many it left out when they do not', () => {
    const small = summary(100);
    expect(small).toContain('<details><summary>s0: all 100 changes</summary>');
    expect(small.match(/^- `\+` /gm)).toHaveLength(100);
    expect(small).not.toContain('more changes not listed');
    const big = summary(3000);
    const listed = big.match(/^- `\+` /gm)!.length;
    expect(big).toContain(`…and ${3000 - listed} more changes not listed here (the comment's size limit)`);
    expect(big.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(big.length).toBeGreaterThan(MAX_SUMMARY_CHARS - 200);
  });

  it('shares the room between stacks in order, and never cuts a stack’s counts or table', () => {
    const out = summary(3000, 5);
    expect(out).toContain('**s1**: 5 to add, 0 to change, 0 to replace, 0 to destroy.');
    expect(out).toContain('#### s1');
    expect(out.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(out.trimEnd().endsWith('</details>')).toBe(true);
  });

  it('caps headline lines at 100 per stack', () => {
    const deploys = (n: number) =>
      planOf(
        Array.from({ length: n }, (_, i) => ({
          address: `kubernetes_deployment_v1.d${i}`,
          type: 'kubernetes_deployment_v1',
          change: {
            actions: ['create'],
            before: null,
            after: {
              metadata: [{ name: `d${i}` }],
              spec: [{ template: [{ spec: [{ container: [{ image: `r/i:${i}` }] }] }] }],
            },
          },
        })),
      );
    const lines = (n: number) => summarize([{ stack: 'p', plan: parsePlan('p.json', deploys(n)) }]).split('\n');
    expect(lines(100).filter((l) => l.includes('staged to'))).toHaveLength(100);
    expect(lines(100).some((l) => l.startsWith('…and'))).toBe(false);
    expect(lines(101).filter((l) => l.includes('staged to'))).toHaveLength(100);
    expect(lines(101)).toContain('…and 1 more traffic or image changes in p');
  });
});

describe('the command', () => {
  const read = (file: string) =>
    file.includes('failed') ? JSON.stringify({ format_version: '1.2', errored: true }) : planOf([]);
  const run = (args: string[]) => {
    let out = '';
    const err: string[] = [];
    const code = runPlanSummary(args, { out: (t) => (out += t), err: (l) => err.push(l), read });
    return { code, out, err };
  };

  it('exits 0 when every plan was read and none failed, 1 when one failed', () => {
    expect(run(['a.json', 'b.json']).code).toBe(0);
    expect(run(['a.json', 'failed.json'])).toMatchObject({
      code: 1,
      out: expect.stringContaining('⛔ **failed: the plan failed**'),
    });
  });

  it('takes --removed only with a name, and refuses an environment name that looks like a flag', () => {
    expect(run(['--removed', '--x', 'a.json']).code).toBe(2);
    expect(run(['--removed', 'x-y', 'a.json'])).toMatchObject({
      code: 0,
      out: expect.stringContaining('**x-y is removed'),
    });
  });
});
