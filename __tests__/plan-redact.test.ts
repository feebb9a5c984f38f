import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REDACTED, applyMask, redactPlan, runPlanRedact } from '../bin/plan-redact-command';
import { runPlanSummary } from '../bin/plan-summary-command';

const FIXTURE = join(__dirname, 'fixtures/plans/sensitive.json');
const raw = readFileSync(FIXTURE, 'utf8');
/** Every planted secret in the fixture, one per place Terraform's JSON can hold a sensitive value. */
const PLANTED = [...new Set(raw.match(/PLANTED-[a-z-]+/g))];

function redact(text = raw) {
  let out = '';
  const errors: string[] = [];
  const code = runPlanRedact(['/plans/production.json'], {
    out: (t) => (out += t),
    err: (l) => errors.push(l),
    read: () => text,
  });
  return { code, out, err: errors.join('\n') };
}

function summary(text: string) {
  let out = '';
  const code = runPlanSummary(['/plans/production.json'], { out: (t) => (out += t), read: () => text, err: () => {} });
  return { code, out };
}

describe('plan:redact', () => {
  it('plants secrets in every place the fixture covers', () => {
    // resource_changes before/after, resource_drift, planned_values (root and
    // child module), prior_state data source, outputs (planned, prior,
    // changes), a sensitive variable and its default.
    expect(PLANTED).toHaveLength(19);
  });

  it('prints the plan with none of the planted secrets', () => {
    const { code, out } = redact();
    expect(code).toBe(0);
    for (const secret of PLANTED) expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('keeps what is not sensitive', () => {
    const plan = JSON.parse(redact().out);
    expect(plan.variables.region.value).toBe('us-east-1');
    expect(plan.variables.deploy_token.value).toBe(REDACTED);
    expect(plan.planned_values.outputs.bucket_name.value).toBe('catbird-mls-backups-production');
    const deployment = plan.resource_changes[1].change.after.spec[0].template[0].spec[0].container[0];
    expect(deployment.image).toBe('ghcr.io/catbird/mls-server:1.5.0');
    expect(deployment.env).toEqual([
      { name: 'API_KEY', value: REDACTED },
      { name: 'RUST_LOG', value: 'info' },
    ]);
    const data = plan.prior_state.values.root_module.resources[0].values;
    expect(data.secret_id).toBe('mls-server/production/jwt-secret');
    expect(data.secret_string).toBe(REDACTED);
    expect(plan.resource_changes[0].change.after.metadata).toEqual([{ name: 'mls-secrets', namespace: 'production' }]);
    expect(plan.configuration).toBeUndefined();
  });

  it('honours nested masks: true for a subtree, maps and lists followed key by key', () => {
    expect(applyMask({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { c: [false, true] }, d: true })).toEqual({
      a: { b: 1, c: [1, REDACTED] },
      d: REDACTED,
    });
    expect(applyMask({ a: { b: 1 } }, { a: true })).toEqual({ a: REDACTED });
    expect(applyMask(null, true)).toBeNull();
    expect(applyMask('kept', false)).toBe('kept');
  });

  it('gives a plan that plan:summary still reads', () => {
    const { code, out } = summary(redact().out);
    expect(code).toBe(0);
    expect(out).toContain('**production**: 0 to add, 2 to change, 0 to replace, 0 to destroy.');
    expect(out).toContain('`ghcr.io/catbird/mls-server:1.5.0` staged to mls-server-green');
  });

  it('is idempotent', () => {
    const once = redact().out;
    expect(JSON.stringify(redactPlan(JSON.parse(once)))).toBe(once.trim());
  });

  it('plan:summary never prints a sensitive value, even from an unredacted plan', () => {
    const { out } = summary(raw);
    for (const secret of PLANTED) expect(out).not.toContain(secret);
  });

  it('refuses what is not a plan, with exit 1 and nothing printed', () => {
    const { code, out, err } = redact('{"format_version":"1.0","values":{"root_module":{}}}');
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(
      /^error: \/plans\/production\.json: not a Terraform plan \(no resource_changes or planned_values/,
    );
  });

  it('prints usage without exactly one file', () => {
    const errs: string[] = [];
    expect(runPlanRedact([], { err: (l) => errs.push(l) })).toBe(2);
    expect(errs[0]).toMatch(/^usage: /);
  });
});
