/**
 * A system that is not the MLS server reads naturally: its environment's
 * `system` names the services' part-of label, the alerts and the recording
 * rules; nothing of the MLS server's names is left where the system's go.
 */
import { systemNames } from '../core/names';
import { environmentSchema } from '../environments/schema';
import { helmRelease, resourcesOf, synthJson } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('systemNames', () => {
  it.each([
    ['mls', { partOf: 'mls', alertPrefix: 'Mls', rulePrefix: 'mls' }],
    ['bsky-feed', { partOf: 'bsky-feed', alertPrefix: 'BskyFeed', rulePrefix: 'bsky_feed' }],
    ['chat2', { partOf: 'chat2', alertPrefix: 'Chat2', rulePrefix: 'chat2' }],
  ])('names %s', (system, names) => {
    expect(systemNames(system)).toEqual(names);
  });

  it("keeps the MLS server's names when an environment file says no system", () => {
    expect(environmentSchema.shape.system.parse(undefined)).toBe('mls');
  });
});

describe('an environment of another system (bsky-feed)', () => {
  const groups = (json: any, release: string) => JSON.parse(helmRelease(json, release).values[0]).groups as any[];

  it('names alerts, recording rules, rule groups and part-of labels after it', () => {
    const json = synthJson('staging', (s) => (s.system = 'bsky-feed'));
    const rules = groups(json, 'mls-server-mon').flatMap((g) => g.rules);
    const alerts = rules.filter((r) => r.alert).map((r) => r.alert as string);
    expect(alerts).toContain('BskyFeedServiceDown');
    expect(alerts).toContain('BskyFeedErrorBudgetBurn1h');
    expect(alerts.filter((a) => !a.startsWith('BskyFeed'))).toEqual([]);
    const records = rules.filter((r) => r.record).map((r) => r.record as string);
    expect(records.length).toBeGreaterThan(5);
    expect(records.filter((r) => !r.startsWith('bsky_feed:'))).toEqual([]);
    // The burn alerts read the system's recorded series, not the MLS server's.
    expect(JSON.stringify(rules)).not.toMatch(/\bmls:/);
    // The runbook anchor is the kind, the same for every system.
    expect(rules.find((r) => r.alert === 'BskyFeedServiceDown').annotations.runbook_url).toMatch(
      /#runbook-servicedown$/,
    );

    const stack = JSON.parse(helmRelease(json, 'kube-prometheus-stack').values[0]);
    expect(Object.keys(stack.additionalPrometheusRulesMap)).toEqual(['bsky-feed-cluster']);
    expect(stack.additionalPrometheusRulesMap['bsky-feed-cluster'].groups[0]).toMatchObject({
      name: 'bsky-feed-cluster.rules',
      rules: [{ alert: 'BskyFeedLowDiskSpace' }],
    });

    const partOf = resourcesOf(json, 'kubernetes_deployment_v1').map(
      (d) => d.metadata.labels['app.kubernetes.io/part-of'],
    );
    expect(partOf.length).toBeGreaterThan(0);
    expect(new Set(partOf)).toEqual(new Set(['bsky-feed']));
  });

  it("gives the MLS server today's names", () => {
    const rules = groups(synthJson('staging'), 'mls-server-mon').flatMap((g) => g.rules);
    expect(rules.find((r) => r.alert === 'MlsServiceDown')).toBeDefined();
    expect(rules.find((r) => r.record === 'mls:slo_errors:ratio_rate5m')).toBeDefined();
  });
});
