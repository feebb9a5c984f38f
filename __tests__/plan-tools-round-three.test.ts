/**
 * The plan tools, round three: every part of the plan format redact does
 * not know is redacted (deferred changes, checks, parts a newer format
 * adds), a plan format of another major version is refused and a newer
 * minor warned of, Latin-1 is named, and no text from the plan can push
 * the summary past a GitHub comment.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REDACTED, runPlanRedact } from '../bin/plan-redact-command';
import { MAX_SUMMARY_CHARS, runPlanSummary } from '../bin/plan-summary-command';

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, 'fixtures/plans', name), 'utf8'));

function run(command: typeof runPlanRedact, text: string | Uint8Array) {
  let out = '';
  const err: string[] = [];
  const code = command(['/plans/production.json'], {
    out: (t) => (out += t),
    err: (l) => err.push(l),
    read: () => text,
  });
  return { code, out, err: err.join('\n') };
}

describe('plan:redact, for the parts it does not know', () => {
  const plan = {
    ...fixture('colour-switch.json'),
    deferred_changes: [
      {
        reason: 'provider_config_unknown',
        resource_change: {
          address: 'aws_db_instance.x',
          type: 'aws_db_instance',
          change: {
            actions: ['update'],
            before: { password: 'PLANTED-deferred-before' },
            after: { password: 'PLANTED-deferred-after', engine: 'postgres' },
            before_sensitive: { password: true },
            after_sensitive: { password: true },
          },
        },
      },
    ],
    checks: [{ address: { to_display: 'x' }, instances: [{ problems: [{ message: 'PLANTED-in-a-check' }] }] }],
    some_future_part: { value: 'PLANTED-future' },
  };

  it('redacts the sensitive values of deferred changes, and keeps the rest of them', () => {
    const { code, out } = run(runPlanRedact, JSON.stringify(plan));
    expect(code).toBe(0);
    expect(out).not.toContain('PLANTED-deferred');
    const redacted = JSON.parse(out);
    expect(redacted.deferred_changes[0].resource_change.change.after).toEqual({
      password: REDACTED,
      engine: 'postgres',
    });
    expect(redacted.deferred_changes[0].reason).toBe('provider_config_unknown');
  });

  it('replaces every part it does not know by the marker, never passing it through', () => {
    const { out } = run(runPlanRedact, JSON.stringify(plan));
    expect(out).not.toMatch(/PLANTED/);
    const redacted = JSON.parse(out);
    expect(redacted.checks).toBe(REDACTED);
    expect(redacted.some_future_part).toBe(REDACTED);
    expect(redacted.format_version).toBe('1.2');
    expect(redacted.terraform_version).toBe('1.11.4');
  });
});

describe('the plan format version', () => {
  it.each([runPlanRedact, runPlanSummary])('is refused when its major version is another (%#)', (command) => {
    const res = run(command, JSON.stringify({ ...fixture('colour-switch.json'), format_version: '2.0' }));
    expect(res.code).toBe(1);
    expect(res.out).toBe('');
    expect(res.err).toBe(
      'error: /plans/production.json: plan format 2.0 is not one this tool reads (1.x, written by Terraform 1.x): its parts may mean something else, so nothing is summarized or redacted',
    );
  });

  it.each([runPlanRedact, runPlanSummary])('is warned of when its minor version is newer (%#)', (command) => {
    const newer = run(command, JSON.stringify({ ...fixture('colour-switch.json'), format_version: '1.3' }));
    expect(newer.code).toBe(0);
    expect(newer.err).toMatch(/^warning: \/plans\/production\.json: plan format 1\.3 is newer than 1\.2/);
    expect(run(command, JSON.stringify(fixture('colour-switch.json'))).err).toBe('');
  });
});

describe('encodings', () => {
  it.each([runPlanRedact, runPlanSummary])(
    'names Latin-1 instead of reading replacement characters (%#)',
    (command) => {
      const latin1 = Buffer.from(
        JSON.stringify({ ...fixture('colour-switch.json'), terraform_version: 'café' }),
        'latin1',
      );
      const res = run(command, latin1);
      expect(res.code).toBe(1);
      expect(res.err).toMatch(
        /is not UTF-8 \(byte 0xe9 at offset \d+ cannot start or continue a UTF-8 character: Latin-1 or Windows-1252\?\): save it as UTF-8/,
      );
    },
  );
});

describe('the summary stays within a comment whatever the plan says', () => {
  /** The colour switch with the promotion annotation `text`, `n` times over (n services). */
  function switches(text: string, n: number) {
    const plan = fixture('colour-switch.json');
    const service = plan.resource_changes[0];
    service.change.after.metadata[0].annotations = { 'mls.catbird.blue/promotion': text };
    plan.resource_changes = Array.from({ length: n }, (_, i) => ({
      ...structuredClone(service),
      address: `kubernetes_service_v1.s${i}`,
    }));
    for (const [i, rc] of plan.resource_changes.entries()) {
      rc.change.before.metadata[0].name = rc.change.after.metadata[0].name = `svc-${i}`;
    }
    return JSON.stringify(plan);
  }

  it('cuts one huge annotation, saying how much it left out', () => {
    const res = run(runPlanSummary, switches(`after analysis: ${'x'.repeat(70_000)}`, 1));
    expect(res.code).toBe(0);
    expect(res.out.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(res.out).toMatch(/… \(\d+ more characters\)/);
  });

  it('cuts the head when many long lines together would pass the limit', () => {
    const res = run(runPlanSummary, switches(`after analysis: ${'y'.repeat(5_000)}`, 100));
    expect(res.out.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS + 1);
    expect(res.out).toContain('…the summary was cut here to fit a comment: see the job log for the rest.');
  });
});
