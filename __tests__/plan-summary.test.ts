import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SUMMARY_CHARS, parsePlan, runPlanSummary, stackName, summarize } from '../bin/plan-summary-command';

/* eslint-disable @typescript-eslint/no-explicit-any -- plan JSON */
const FIXTURES = join(__dirname, 'fixtures/plans');

/** Runs the command on fixtures, each read as the plan of the given stack. */
function run(...files: [stack: string, fixture: string][]) {
  let out = '';
  const errors: string[] = [];
  const fixtureOf = new Map(files.map(([stack, fixture]) => [`/plans/${stack}.json`, fixture]));
  const code = runPlanSummary([...fixtureOf.keys()], {
    out: (t) => (out += t),
    err: (l) => errors.push(l),
    read: (file) => readFileSync(join(FIXTURES, `${fixtureOf.get(file)}.json`), 'utf8'),
  });
  return { code, out, err: errors.join('\n') };
}

describe('plan summary', () => {
  it('says a plan with no changes in one line', () => {
    expect(run(['production', 'no-op'])).toEqual({ code: 0, out: '**production**: no changes.\n', err: '' });
  });

  it('counts a create-only plan and lists the resources', () => {
    const { out } = run(['staging', 'create-only']);
    expect(out.split('\n')[0]).toBe('staging: `ghcr.io/catbird/mls-server:1.4.2` staged to mls-server-blue');
    expect(out).toContain('**staging**: 4 to add, 0 to change, 0 to replace, 0 to destroy.');
    expect(out).toContain('| `aws_s3_bucket` | 1 | 0 | 0 | 0 |');
    expect(out).toContain('<details><summary>staging: all 4 changes</summary>');
    expect(out).toContain('- `+` `kubernetes_namespace_v1.service-namespace_DF13CA93`');
    expect(out).not.toContain('CAUTION');
  });

  it('puts a traffic switch first, and not for the preview Service', () => {
    const { out } = run(['production', 'colour-switch']);
    const lines = out.split('\n');
    expect(lines[0]).toBe(
      '**production: mls-server traffic blue → green** (no analysis: the release file does not say `switched`: a rollback, or a hand edit)',
    );
    expect(lines[1]).toBe('**production**: 0 to add, 3 to change, 0 to replace, 0 to destroy.');
    expect(out).not.toContain('mls-server-preview traffic');
  });

  /** The colour-switch fixture with the live Service's promotion annotation set to `promotion`. */
  const annotated = (promotion: string) => {
    const plan = parsePlan('colour-switch', readFileSync(join(FIXTURES, 'colour-switch.json'), 'utf8')) as any;
    const service = plan.resource_changes.find(
      (rc: any) => rc.type === 'kubernetes_service_v1' && rc.change.after.metadata[0].name === 'mls-server',
    );
    service.change.after.metadata[0].annotations = { 'mls.catbird.blue/promotion': promotion };
    return summarize([{ stack: 'production', plan }]).split('\n')[0];
  };

  it('names the analysis a switch passes', () => {
    expect(
      annotated(
        'after analysis: 2 smoke checks, 6 metric checks over 30 s; then watched: 2 smoke checks, 3 metric checks over 5 m',
      ),
    ).toBe(
      '**production: mls-server traffic blue → green after analysis: 2 smoke checks, 6 metric checks over 30 s; then watched: 2 smoke checks, 3 metric checks over 5 m**',
    );
  });

  it('flags a switch that skips the analysis, with the reason', () => {
    expect(annotated('without analysis: INC-2214: Prometheus is down')).toBe(
      '⚠️ **production: mls-server traffic blue → green without analysis: INC-2214: Prometheus is down** (skipAnalysis in the release file)',
    );
  });

  it('shows what changed outside Terraform (attributes, never values) and what it forgets', () => {
    const { out, code } = run(['production', 'drift-and-forget']);
    expect(code).toBe(0);
    expect(out.split('\n').slice(0, 4)).toEqual([
      '**production: 2 changed outside Terraform** (drift):',
      '- `aws_s3_bucket_public_access_block.backup-bucket_public-access_3F9F2C1A`: block_public_policy, restrict_public_buckets',
      '- `kubernetes_config_map_v1.monitoring_dashboard-mls-server_CD250C99`: deleted outside Terraform',
      '**production**: 0 to add, 0 to change, 0 to replace, 0 to destroy, 1 to forget (no longer managed, left in place).',
    ]);
    expect(out).toContain('| `kubernetes_secret_v1` | 0 | 0 | 0 | 0 | 1 |');
    expect(out).toContain('- `.` `kubernetes_secret_v1.mls-server-secrets_secret_9B729C5D`');
    expect(out).not.toContain('catbird-mls-backups-production');
  });

  it('says a refresh-only plan with drift has nothing to apply but records the drift', () => {
    const plan = parsePlan('x', readFileSync(join(FIXTURES, 'drift-and-forget.json'), 'utf8')) as any;
    const summary = summarize([{ stack: 'production', plan: { ...plan, resource_changes: [] } }]);
    expect(summary).toContain('**production**: no changes to apply (the drift above is only recorded).');
    expect(summary).toContain('**production: 2 changed outside Terraform** (drift):');
  });

  it('names a new image staged to a colour, with the old one', () => {
    const { out } = run(['production', 'staged-image']);
    expect(out.split('\n')[0]).toBe(
      'production: `ghcr.io/catbird/mls-server:1.5.0` staged to mls-server-green (was `ghcr.io/catbird/mls-server:1.4.1`)',
    );
    expect(out).toContain('**production**: 1 to add, 1 to change, 0 to replace, 1 to destroy.');
    // A snapshot rotated out is a destroy of a protected type: flagged.
    expect(out).toContain(
      '> - **production**: destroys `aws_db_snapshot.release-snapshots_mls-production-pre-deploy-1-3-0_43670D3C`',
    );
  });

  it('counts replaces and flags a replaced Secret', () => {
    const { out } = run(['production', 'replace']);
    expect(out).toContain('**production**: 0 to add, 1 to change, 2 to replace, 0 to destroy.');
    expect(out).toContain('> - **production**: replaces `kubernetes_secret_v1.mls-server-secrets_secret_9B729C5D`');
    expect(out).not.toContain('replaces `kubernetes_deployment_v1');
    expect(out).toContain('- `-/+` `kubernetes_deployment_v1.mls-server_blue_deployment_ACE09260`');
  });

  it('warns about every destroy of a protected resource, and only those', () => {
    const { out } = run(['staging', 'protected-destroy']);
    expect(out).toContain(
      [
        '> [!CAUTION]',
        '> Destructive changes to protected resources:',
        '> - **staging**: destroys `aws_s3_bucket.backup-bucket_FA4F306F`',
        '> - **staging**: destroys `aws_kms_key.backup-bucket_key_3268F83E`',
        '> - **staging**: destroys `kubernetes_namespace_v1.service-namespace_DF13CA93`',
      ].join('\n'),
    );
    expect(out).not.toContain('destroys `helm_release');
  });

  it('summarizes several stacks, headlines before tables', () => {
    const { out, code } = run(['staging', 'no-op'], ['production', 'colour-switch']);
    expect(code).toBe(0);
    expect(out.indexOf('**staging**: no changes.')).toBeLessThan(out.indexOf('#### production'));
    expect(out.indexOf('traffic blue → green')).toBeLessThan(out.indexOf('#### production'));
  });

  it('reports a failed plan and exits non-zero', () => {
    const { out, code } = run(['production', 'failed']);
    expect(code).toBe(1);
    expect(out).toBe('⛔ **production: the plan failed**; see the job log.\n');
  });

  it.each([
    ['empty', /empty file, expected the output of terraform show -json/],
    ['not-json', /not JSON \(/],
    ['not-a-plan', /not a Terraform plan \(no format_version\)/],
  ])('refuses %s input with a clear error and exit 1', (fixture, message) => {
    const { code, out, err } = run(['production', fixture]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(new RegExp(`^error: /plans/production\\.json: ${message.source}`));
  });

  /** Runs the command on inline JSON texts, each as one stack's plan. */
  function runTexts(...texts: [stack: string, text: string][]) {
    let out = '';
    const errors: string[] = [];
    const byFile = new Map(texts.map(([stack, text]) => [`/plans/${stack}.json`, text]));
    const code = runPlanSummary([...byFile.keys()], {
      out: (t) => (out += t),
      err: (l) => errors.push(l),
      read: (file) => byFile.get(file)!,
    });
    return { code, out, err: errors.join('\n') };
  }
  const change = (address: string, actions: unknown) => ({
    address,
    type: address.split('.')[0],
    change: { actions, before: null, after: {} },
  });
  const plan = (resourceChanges: unknown[]) =>
    JSON.stringify({ format_version: '1.2', resource_changes: resourceChanges });

  it.each([
    [
      'a state file',
      '{"format_version":"1.0","terraform_version":"1.11.4","values":{"root_module":{}}}',
      /not a Terraform plan \(no resource_changes or planned_values: a state file or a provider schema\?\)/,
    ],
    [
      'a provider schema',
      '{"format_version":"1.0","provider_schemas":{}}',
      /not a Terraform plan \(no resource_changes or planned_values/,
    ],
    ['a JSON list', '[]', /not a Terraform plan \(no format_version\)/],
    ['a null entry', plan([null]), /malformed plan:\n {2}resource_changes\[0\] is null, not an object/],
    [
      'actions as a string',
      plan([change('aws_s3_bucket.a', ['create']), change('aws_s3_bucket.b', 'create')]),
      /malformed plan:\n {2}resource_changes\[1\] \(aws_s3_bucket\.b\) change\.actions must be a list of strings \(got "create"\)/,
    ],
    [
      'an unknown action',
      plan([change('aws_s3_bucket.a', ['explode'])]),
      /malformed plan:\n {2}resource_changes\[0\] \(aws_s3_bucket\.a\) change\.actions has an unknown action "explode"/,
    ],
    [
      'an entry with no address',
      plan([{ type: 'x', change: { actions: ['create'] } }]),
      /malformed plan:\n {2}resource_changes\[0\] has no address/,
    ],
    [
      'an entry with no change',
      plan([{ address: 'a.b', type: 'a' }]),
      /malformed plan:\n {2}resource_changes\[0\] \(a\.b\) has no change object/,
    ],
  ])('refuses %s with a clear error, exit 1, no stack trace', (_what, text, message) => {
    const { code, out, err } = runTexts(['production', text]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(new RegExp(`^error: /plans/production\\.json: ${message.source}`));
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('reports at most 20 malformed entries and counts the rest', () => {
    const { err } = runTexts(['production', plan(Array.from({ length: 25 }, () => null))]);
    expect(err.split('\n').filter((l) => /resource_changes\[\d+\]/.test(l))).toHaveLength(20);
    expect(err).toContain('…and 5 more malformed entries');
  });

  it('summarizes the good plan and reports the bad one, exit 1', () => {
    const good = readFileSync(join(FIXTURES, 'colour-switch.json'), 'utf8');
    const { code, out, err } = runTexts(['production', good], ['staging', plan([null])]);
    expect(code).toBe(1);
    expect(out.split('\n')[0]).toBe('⛔ **staging: the plan could not be read**: malformed plan:');
    expect(out).toContain('**production: mls-server traffic blue → green**');
    expect(err).toMatch(/^error: \/plans\/staging\.json: malformed plan/);
  });

  it(`fits a 20,000-change plan in ${MAX_SUMMARY_CHARS} characters, keeping headline, counts and caution`, () => {
    const changes = Array.from({ length: 20_000 }, (_, i) =>
      change(`${i % 10 === 0 ? 'aws_s3_bucket' : 'kubernetes_config_map_v1'}.resource_number_${i}`, ['delete']),
    );
    const { code, out } = runTexts(['production', plan(changes)]);
    expect(code).toBe(0);
    // GitHub refuses a comment over 65,536 characters; the workflow adds a heading line of 18.
    expect(MAX_SUMMARY_CHARS).toBeLessThanOrEqual(65_536 - 100);
    expect(`### Plan preview\n\n${out}`.length).toBeLessThanOrEqual(65_536);
    expect(out.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(out.length).toBeGreaterThan(MAX_SUMMARY_CHARS - 2_000);
    expect(out).toContain('**production**: 0 to add, 0 to change, 0 to replace, 20000 to destroy.');
    expect(out).toContain('> [!CAUTION]');
    expect(out).toContain('…and 1900 more destructive changes to protected resources in production');
    expect(out).toContain('| `kubernetes_config_map_v1` | 0 | 0 | 0 | 18000 |');
    expect(out).toMatch(/…and \d+ more changes not listed here \(the comment's size limit\)/);
    expect(out.trimEnd().endsWith('</details>')).toBe(true);
  });

  it('reads a plan nested exactly 1000 levels deep, and refuses one level more', () => {
    const nested = (levels: number) =>
      `{"format_version":"1.2","resource_changes":[],"planned_values":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    expect(() => parsePlan('deep.json', nested(1000))).not.toThrow();
    expect(() => parsePlan('deep.json', nested(1001))).toThrow(
      'deep.json: nests deeper than 1000 levels, which no Terraform plan does; pass the output of terraform show -json <planfile>',
    );
  });

  it('puts a removed environment first (E17), and refuses an unknown flag', () => {
    let out = '';
    const args = ['--removed', 'qa', '/plans/production.json'];
    const read = () => readFileSync(join(FIXTURES, 'no-op.json'), 'utf8');
    expect(runPlanSummary(args, { out: (t) => (out += t), read })).toBe(0);
    expect(out.split('\n')).toEqual([
      '⚠️ **qa is removed from environments/index.ts**: this pull request plans nothing for it, and after the merge no deploy or drift check runs for it; its resources keep running and its state stays in the state bucket. To take it down, destroy it before removing it (docs/environments.md, Removing an environment).',
      '**production**: no changes.',
      '',
    ]);
    const errs: string[] = [];
    expect(runPlanSummary(['--gone', 'qa', '/plans/production.json'], { err: (l) => errs.push(l), read })).toBe(2);
    expect(runPlanSummary(['--removed'], { err: (l) => errs.push(l), read })).toBe(2);
    expect(errs[0]).toMatch(/^usage: npm run plan:summary -- \[--removed <environment>\]\.\.\. <plan\.json>/);
  });

  it('refuses a missing file and prints usage without arguments', () => {
    const errs: string[] = [];
    expect(runPlanSummary(['/nope/x.json'], { err: (l) => errs.push(l) })).toBe(1);
    expect(errs[0]).toMatch(/^error: \/nope\/x\.json: cannot read/);
    expect(runPlanSummary([], { err: (l) => errs.push(l) })).toBe(2);
  });

  it.each([
    ['plans/production.json', 'production'],
    ['plans/staging.plan.json', 'staging'],
    ['cdktf.out/stacks/production/plan.json', 'production'],
  ])('names the stack of %s', (file, stack) => {
    expect(stackName(file)).toBe(stack);
  });
});
