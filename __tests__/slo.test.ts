/**
 * SLOs as code: the typed objectives and their refusals, the burn-rate
 * table, the rules and the dashboard. How the rules behave over traffic is
 * promtool's to test (tooling/slo-tests.ts, in the policy gate); what is checked
 * here is what they are built from.
 */
import { BURN_ALERTS, DEFAULT_SLO, burnRate, errorBudget, leMatcher, sliRecordingRules } from '../core/slo';
import { serviceDashboard } from '../features/monitoring/service-dashboard';
import { humanize, humanizePercentage } from '../tooling/slo-tests';
import { Edit, configIssues, environment, resourceNamed, synthJson, values } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const issues = (edit: Edit) => configIssues(() => environment('production', edit));

describe('objectives in the environment file', () => {
  it('default to the deployment guide’s: 99.9 % available, 95 % within 2 s, over 30 days', () => {
    expect(DEFAULT_SLO).toEqual({
      window: '30d',
      availability: { objective: 0.999 },
      latency: { objective: 0.95, thresholdSeconds: 2 },
    });
    const env = environment('production');
    expect(env.services[0]!.slo).toBeUndefined();
  });

  it.each<[string, Edit, string]>([
    [
      'an objective of 100 %',
      (s) => (s.services[0].slo = { availability: { objective: 1 } }),
      'production: services[0].slo.availability.objective: must be below 1 (an objective of 100 % or more leaves no error budget); write 99.9 % as 0.999 (got 1)',
    ],
    [
      'an objective written as a percent',
      (s) => (s.services[0].slo = { latency: { objective: 95, thresholdSeconds: 2 } }),
      'production: services[0].slo.latency.objective: must be below 1 (an objective of 100 % or more leaves no error budget); write 99.9 % as 0.999 (got 95)',
    ],
    [
      'an objective of 0',
      (s) => (s.services[0].slo = { availability: { objective: 0 } }),
      'production: services[0].slo.availability.objective: must be more than 0 (got 0)',
    ],
    [
      'a latency threshold that is not a bucket boundary',
      (s) => (s.services[0].slo = { latency: { objective: 0.95, thresholdSeconds: 1.5 } }),
      'production: services[0].slo.latency.thresholdSeconds: 1.5 s is not a bucket boundary of http_request_duration_seconds (the default buckets: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10): the share of requests under it cannot be read',
    ],
    [
      'buckets that leave out the default threshold',
      (s) => (s.services[0].metrics = { latencyBuckets: [0.5, 1, 5, 10] }),
      'production: services[0].metrics.latencyBuckets: 2 s is not a bucket boundary of http_request_duration_seconds (metrics.latencyBuckets: 0.5, 1, 5, 10): the share of requests under it cannot be read',
    ],
    [
      'buckets out of order',
      (s) => (s.services[0].metrics = { latencyBuckets: [1, 2, 2, 5] }),
      'production: services[0].metrics.latencyBuckets: must be in ascending order, each once (got [1,2,2,5])',
    ],
    [
      'a window in hours',
      (s) => (s.services[0].slo = { window: '720h' }),
      'production: services[0].slo.window: must be a number of days from 1d to 90d, such as "30d" (got "720h")',
    ],
  ])('refuse %s, naming the field', (_what, edit, message) => {
    expect(issues(edit)).toEqual([message]);
  });

  it('accept a threshold that is one of the service’s own buckets', () => {
    const env = environment('production', (s) => {
      s.services[0].metrics = { latencyBuckets: [0.25, 0.5, 1.5, 3, 10] };
      s.services[0].slo = { latency: { objective: 0.99, thresholdSeconds: 1.5 } };
    });
    expect(env.services[0]!.slo!.latency).toEqual({ objective: 0.99, thresholdSeconds: 1.5 });
  });
});

describe('the burn-rate table (SRE Workbook, table 5-8)', () => {
  it('pages at 14.4× over 1 h and 5 min and at 6× over 6 h and 30 min, tickets at 1× over 3 d and 6 h', () => {
    expect(BURN_ALERTS.map((b) => [b.kind, b.long, b.short, burnRate('30d', b), b.severity])).toEqual([
      ['ErrorBudgetBurn1h', '1h', '5m', 14.4, 'critical'],
      ['ErrorBudgetBurn6h', '6h', '30m', 6, 'critical'],
      ['ErrorBudgetBurn3d', '3d', '6h', 1, 'warning'],
    ]);
  });

  it('scales with the window: the same budget shares over 28 days', () => {
    expect(BURN_ALERTS.map((b) => burnRate('28d', b))).toEqual([13.44, 5.6, 0.933]);
  });

  it('writes the budget as the rules do', () => {
    expect(errorBudget(0.999)).toBe(0.001);
    expect(errorBudget(0.95)).toBe(0.05);
  });
});

describe('the SLI recording rules', () => {
  let rules: ReturnType<typeof sliRecordingRules>;
  beforeEach(() => {
    rules = sliRecordingRules({ service: 'api', namespace: 'apps', statusLabel: 'code', rulePrefix: 'mls' });
  });

  it('record each SLI over 5m, 30m, 1h, 2h, 6h, 1d, 3d and the window, and the budget left', () => {
    const names = (slo: string) => rules.filter((r) => r.labels?.slo === slo).map((r) => r.record);
    const expected = [
      ...['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'].map((w) => `mls:slo_errors:ratio_rate${w}`),
      'mls:slo_error_budget_remaining:ratio',
    ];
    expect(names('availability')).toEqual(expected);
    expect(names('latency')).toEqual(expected);
  });

  it('count 5xx by the status label, per namespace, service and colour, no 5xx being no error', () => {
    const availability = rules.find(
      (r) => r.record === 'mls:slo_errors:ratio_rate5m' && r.labels?.slo === 'availability',
    )!;
    expect(availability.expr).toBe(
      '(sum by (namespace, app, colour) (rate(http_requests_total{namespace="apps", app="api", code=~"5.."}[5m])) or 0 * sum by (namespace, app, colour) (rate(http_requests_total{namespace="apps", app="api"}[5m]))) / sum by (namespace, app, colour) (rate(http_requests_total{namespace="apps", app="api"}[5m]))',
    );
  });

  it('read the latency SLI from the bucket at the threshold, as clients and Prometheus 3 write it', () => {
    const latency = rules.find((r) => r.record === 'mls:slo_errors:ratio_rate1h' && r.labels?.slo === 'latency')!;
    expect(latency.expr).toContain(
      'http_request_duration_seconds_bucket{namespace="apps", app="api", le=~"2|2\\\\.0"}[1h]',
    );
    expect(leMatcher(0.25)).toBe('0\\\\.25');
  });

  it('leave the budget as 1 minus the window’s error ratio over the budget', () => {
    const budget = rules.find(
      (r) => r.record === 'mls:slo_error_budget_remaining:ratio' && r.labels?.slo === 'availability',
    )!;
    expect(budget.expr).toBe(
      '1 - mls:slo_errors:ratio_rate30d{namespace="apps", app="api", slo="availability"} / 0.001',
    );
  });
});

describe('the error-budget dashboard', () => {
  const dashboard: any = serviceDashboard({ service: 'api', namespace: 'apps', rulePrefix: 'mls' });

  it('opens with each SLI over the window, the budget left and the burn rate', () => {
    const panels = dashboard.panels.slice(0, 4);
    expect(panels.map((p: any) => p.targets.map((t: any) => t.expr))).toEqual([
      ['1 - mls:slo_errors:ratio_rate30d{namespace="apps", app="api", slo="availability"}'],
      ['1 - mls:slo_errors:ratio_rate30d{namespace="apps", app="api", slo="latency"}'],
      ['mls:slo_error_budget_remaining:ratio{namespace="apps", app="api"}'],
      [
        'mls:slo_errors:ratio_rate1h{namespace="apps", app="api", slo="availability"} / 0.001',
        'mls:slo_errors:ratio_rate1h{namespace="apps", app="api", slo="latency"} / 0.05',
      ],
    ]);
  });

  it('marks traffic switches, staged images and analysis results from kube-state-metrics series', () => {
    expect(dashboard.annotations.list.map((a: any) => [a.name, a.expr])).toEqual([
      [
        'Traffic switch',
        'kube_service_labels{namespace="apps", service="api", label_version!=""} unless kube_service_labels{namespace="apps", service="api", label_version!=""} offset 1m',
      ],
      [
        'Image staged',
        'kube_deployment_labels{namespace="apps", deployment=~"api-(blue|green)", label_app_kubernetes_io_version!=""} unless kube_deployment_labels{namespace="apps", deployment=~"api-(blue|green)", label_app_kubernetes_io_version!=""} offset 1m',
      ],
      [
        'Analysis passed',
        'kube_job_status_succeeded{namespace="apps", job_name=~"api-(pre|post)-.+"} > 0 unless kube_job_status_succeeded{namespace="apps", job_name=~"api-(pre|post)-.+"} offset 1m > 0',
      ],
      [
        'Analysis failed',
        'kube_job_status_failed{namespace="apps", job_name=~"api-(pre|post)-.+"} > 0 unless kube_job_status_failed{namespace="apps", job_name=~"api-(pre|post)-.+"} offset 1m > 0',
      ],
    ]);
  });

  it('gets the labels it reads: the Services carry their colour, kube-state-metrics exports it', () => {
    const json = synthJson('production');
    expect(resourceNamed(json, 'kubernetes_service_v1', 'mls-server').metadata.labels.version).toBe('blue');
    expect(resourceNamed(json, 'kubernetes_service_v1', 'mls-server-preview').metadata.labels.version).toBe('green');
    expect(values(json, 'kube-prometheus-stack')['kube-state-metrics'].metricLabelsAllowlist).toEqual([
      'pods=[app,version]',
      'deployments=[app,version,app.kubernetes.io/version]',
      'services=[app,version]',
    ]);
  });
});

describe('the value format of the alerts’ annotations (Prometheus’s humanize)', () => {
  it.each([
    [-14, '-1400%'],
    [-0.3, '-30%'],
    [0.612345, '61.23%'],
    [1, '100%'],
    [0.0001234, '12.34m%'],
  ])('%s is %s', (value, text) => {
    expect(humanizePercentage(value)).toBe(text);
  });

  it('uses SI prefixes for large positive values and keeps large negative ones whole', () => {
    expect(humanize(1234567)).toBe('1.235M');
    expect(humanize(-14000)).toBe('-1.4e+04');
  });
});
