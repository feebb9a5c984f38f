import { Testing } from 'cdktf';
import { clusterAlertRules, serviceAlertRules } from '../features/monitoring/alert-rules';
import { CHARTS } from '../features/monitoring/charts';
import { Monitoring, MonitoringProps, alloyConfig } from '../features/monitoring/monitoring';
import { serviceDashboard } from '../features/monitoring/service-dashboard';
import type { ExternalSecretSpec, ISecretStore } from '../features/secrets/external-secrets';
import { SynthJson, helmRelease, resourcesOf, synthJson, values } from './helpers';
import { systemNames } from '../core/names';

const MLS = systemNames('mls');

/** The Secrets Monitoring declares, recorded instead of rendered. */
const declared: ExternalSecretSpec[] = [];
const READY = { fqn: 'helm_release.external-secrets-config' };
const STORE: ISecretStore = {
  add: (spec) => {
    declared.push(spec);
    return {
      secretName: spec.name,
      keys: Object.keys(spec.data),
      versionChecksum: `checksum-of-${spec.name}`,
      ready: READY,
    };
  },
};

const PROPS: MonitoringProps = {
  namespace: 'monitoring',
  namespaceName: 'monitoring',
  secrets: STORE,
  services: [{ name: 'mls-server', namespace: 'production', live: 'blue', autoscaled: true }],
  grafanaAdminSecretId: 'monitoring/production/grafana-admin-password',
  slackWebhookSecretId: 'monitoring/production/slack-webhook-url',
  slackChannel: '#mls-alerts',
  runbookBaseUrl: 'https://example.com/README.md',
  system: MLS,
};

function synth(overrides: Partial<MonitoringProps> = {}): SynthJson {
  return JSON.parse(Testing.synthScope((scope) => new Monitoring(scope, 'monitoring', { ...PROPS, ...overrides })));
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const release = helmRelease;

describe('Monitoring', () => {
  const json = synth();

  it.each([
    ['kube-prometheus-stack', 'https://prometheus-community.github.io/helm-charts', '88.5.3'],
    ['loki', 'https://grafana-community.github.io/helm-charts', '18.11.0'],
    ['alloy', 'https://grafana.github.io/helm-charts', '1.11.1'],
  ])('installs %s from %s at the pinned %s, in the monitoring namespace', (name, repository, version) => {
    expect(release(json, name)).toMatchObject({
      chart: name,
      repository,
      version,
      namespace: 'monitoring',
      atomic: true,
      wait: true,
    });
  });

  it('pins every chart to an exact version', () => {
    for (const chart of Object.values(CHARTS)) expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  describe('kube-prometheus-stack values', () => {
    const v = values(json, 'kube-prometheus-stack');

    it('keeps Prometheus data on a volume for the retention period', () => {
      expect(v.prometheus.prometheusSpec.retention).toBe('15d');
      expect(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe('50Gi');
    });

    it('selects rules, ServiceMonitors and PodMonitors this program creates', () => {
      expect(v.prometheus.prometheusSpec).toMatchObject({
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
      });
    });

    it("scrapes /metrics on both colours, with the colour as a label, from a PodMonitor of the service's own release", () => {
      expect(v.prometheus.additionalPodMonitors).toBeUndefined();
      expect(values(json, 'mls-server-mon').podMonitor).toEqual(
        expect.objectContaining({
          namespaceSelector: { matchNames: ['production'] },
          selector: { matchLabels: { app: 'mls-server' } },
          podMetricsEndpoints: [
            expect.objectContaining({
              port: 'http',
              path: '/metrics',
              relabelings: expect.arrayContaining([
                { sourceLabels: ['__meta_kubernetes_pod_label_version'], targetLabel: 'colour' },
              ]),
            }),
          ],
        }),
      );
    });

    it("reads Grafana's admin credentials from an existing Secret", () => {
      expect(v.grafana.admin).toEqual({
        existingSecret: 'grafana-admin',
        userKey: 'admin-user',
        passwordKey: 'admin-password',
      });
    });

    it('routes critical and warning alerts to Slack with the webhook read from a mounted Secret', () => {
      const am = v.alertmanager;
      expect(am.alertmanagerSpec.secrets).toEqual(['alertmanager-slack']);
      // Only critical and warning reach Slack; the default (info, InfoInhibitor, anything else) is null.
      expect(am.config.route.receiver).toBe('null');
      expect(am.config.route.routes.map((r: any) => [r.receiver, r.matchers])).toEqual([
        ['null', ['alertname =~ "InfoInhibitor|Watchdog"']],
        ['slack-critical', ['severity = "critical"']],
        ['slack-warning', ['severity = "warning"']],
      ]);
      expect(am.config.inhibit_rules).toEqual([
        {
          source_matchers: ['severity = "critical"'],
          target_matchers: ['severity =~ "warning|info"'],
          equal: ['namespace', 'alertname'],
        },
        {
          source_matchers: ['severity = "warning"'],
          target_matchers: ['severity = "info"'],
          equal: ['namespace', 'alertname'],
        },
        {
          source_matchers: ['alertname = "InfoInhibitor"'],
          target_matchers: ['severity = "info"'],
          equal: ['namespace'],
        },
        { target_matchers: ['alertname = "InfoInhibitor"'] },
      ]);
      for (const receiver of am.config.receivers.filter((r: any) => r.slack_configs)) {
        expect(receiver.slack_configs[0]).toMatchObject({
          api_url_file: '/etc/alertmanager/secrets/alertmanager-slack/webhook-url',
          channel: '#mls-alerts',
        });
        expect(receiver.slack_configs[0].api_url).toBeUndefined();
      }
    });

    it("carries the cluster rules once and a Loki data source; each service's rules are its own release", () => {
      expect(Object.keys(v.additionalPrometheusRulesMap)).toEqual(['mls-cluster']);
      expect(values(json, 'mls-server-mon').groups.map((g: any) => g.name)).toEqual([
        'mls-server.slo.rules',
        'mls-server.rules',
      ]);
      expect(v.additionalPrometheusRulesMap['mls-cluster'].groups[0].rules.map((r: any) => r.alert)).toEqual([
        'MlsLowDiskSpace',
      ]);
      expect(v.grafana.additionalDataSources).toEqual([
        expect.objectContaining({ type: 'loki', url: 'http://loki.monitoring.svc.cluster.local:3100' }),
      ]);
    });

    it('installs after the Secrets it reads are declared, and rolls Grafana when its password rotates', () => {
      expect(release(json, 'kube-prometheus-stack').depends_on).toEqual(['helm_release.external-secrets-config']);
      expect(values(json, 'kube-prometheus-stack').grafana.podAnnotations).toEqual({
        'checksum/secrets': 'checksum-of-grafana-admin',
      });
    });
  });

  it('declares the Grafana and Slack Secrets as ExternalSecrets of Secrets Manager ids, never with a value', () => {
    expect(resourcesOf(json, 'kubernetes_secret_v1')).toEqual([]);
    expect(declared.filter((d) => d.namespace === 'monitoring')).toEqual([
      {
        name: 'grafana-admin',
        namespace: 'monitoring',
        data: { 'admin-password': { awsSecretId: 'monitoring/production/grafana-admin-password' } },
        template: { 'admin-user': 'admin' },
      },
      {
        name: 'alertmanager-slack',
        namespace: 'monitoring',
        data: { 'webhook-url': { awsSecretId: 'monitoring/production/slack-webhook-url' } },
      },
    ]);
  });

  it('runs Loki as one single-binary replica on a volume it keeps on uninstall and scale-down', () => {
    const v = values(json, 'loki');
    expect(v.deploymentMode).toBe('SingleBinary');
    expect(v.loki.commonConfig.replication_factor).toBe(1);
    expect(v.loki.storage).toEqual({ type: 'filesystem' });
    expect(v.singleBinary).toEqual({
      replicas: 1,
      persistence: {
        enabled: true,
        size: '10Gi',
        enableStatefulSetAutoDeletePVC: true,
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      },
    });
  });

  it('recreates Grafana on update, so its ReadWriteOnce volume never blocks a rollout', () => {
    expect(values(json, 'kube-prometheus-stack').grafana.deploymentStrategy).toEqual({ type: 'Recreate' });
  });

  it('keeps Loki chunks in S3 with an IRSA role when given a bucket', () => {
    const v = values(
      synth({
        lokiObjectStorage: { bucketName: 'logs-bucket', region: 'us-east-1', roleArn: 'arn:aws:iam::1:role/loki' },
      }),
      'loki',
    );
    expect(v.loki.storage).toEqual({
      type: 's3',
      bucketNames: { chunks: 'logs-bucket', ruler: 'logs-bucket' },
      s3: { region: 'us-east-1' },
    });
    expect(v.loki.schemaConfig.configs[0].object_store).toBe('s3');
    expect(v.serviceAccount.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::1:role/loki');
  });

  it('ships logs with Alloy by default, labelled with app so {app="mls-server"} works', () => {
    const alloy = release(json, 'alloy');
    expect(alloy.depends_on).toEqual([expect.stringMatching(/^helm_release\.monitoring_loki_/)]);
    const content = values(json, 'alloy').alloy.configMap.content;
    expect(content).toContain('source_labels = ["__meta_kubernetes_pod_label_app"]\n    target_label  = "app"');
    expect(content).toContain('url = "http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push"');
    expect(resourcesOf(json, 'helm_release').map((r) => r.name)).not.toContain('promtail');
  });

  it('ships logs with Promtail when asked, and not with Alloy', () => {
    const json = synth({ logShipper: 'promtail' });
    expect(
      resourcesOf(json, 'helm_release')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['kube-prometheus-stack', 'loki', 'mls-server-mon', 'promtail']);
    expect(values(json, 'promtail').config.clients).toEqual([
      { url: 'http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push' },
    ]);
    expect(release(json, 'promtail')).toMatchObject({ chart: 'promtail', version: '6.17.1' });
    // The chart labels app, namespace, pod and container; the colour comes from the pod's version label.
    expect(values(json, 'promtail').config.snippets.extraRelabelConfigs).toEqual([
      { action: 'replace', source_labels: ['__meta_kubernetes_pod_label_version'], target_label: 'colour' },
    ]);
  });

  it('provisions a dashboard per service through a ConfigMap the Grafana sidecar reads', () => {
    const [cm] = resourcesOf(json, 'kubernetes_config_map_v1');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(cm.data['mls-server-production.json']);
    expect(dashboard.panels.map((p: any) => p.title)).toEqual([
      'SLI: requests without a 5xx (30d; objective 99.9%)',
      'SLI: requests within 2 s (30d; objective 95%)',
      'Error budget left (30d)',
      'Burn rate over 1 h (1 = spending the budget exactly over the window)',
      'Request rate',
      '5xx ratio',
      'Latency p50 / p95 / p99',
      'Pods by colour',
      'Traffic by colour',
      'CPU',
      'Memory',
      'Database connections',
      'MLS messages sent',
      'MLS groups created',
    ]);
  });

  it("installs each service's rules and PodMonitor from the project's chart, after the CRDs", () => {
    const mon = release(json, 'mls-server-mon');
    expect(mon.chart).toMatch(/^assets\/monitoring_service-monitoring-chart_[0-9A-F]+\/[0-9A-F]+$/);
    expect(mon.repository).toBeUndefined();
    expect(mon.depends_on).toEqual([expect.stringMatching(/^helm_release\.monitoring_kube-prometheus-stack_/)]);
    expect(values(json, 'mls-server-mon').labels).toEqual({
      'app.kubernetes.io/managed-by': 'cdktf',
      app: 'mls-server',
    });
  });

  it('keeps the kube-prometheus-stack values the same size whatever the number of services', () => {
    const size = (n: number) =>
      release(
        synth({ services: Array.from({ length: n }, (_, i) => ({ ...PROPS.services[0]!, name: `svc-${i}` })) }),
        'kube-prometheus-stack',
      ).values[0].length;
    expect(size(20)).toBe(size(1));
  });

  it('writes the same values for the same input', () => {
    expect(synth()).toEqual(synth());
  });
});

/** The production service with every optional alert on. */
const EVERY_ALERT = {
  service: 'mls-server',
  namespace: 'production',
  live: 'green',
  runbookBaseUrl: 'https://example.com/README.md',
  system: MLS,
  autoscaled: true,
  database: true,
  didResponder: 'mls-server-did',
} as const;

describe('alert rules', () => {
  // Built in each test, not when the file loads, so the mutation run sees which tests read them.
  let byName: Record<string, ReturnType<typeof serviceAlertRules>['rules'][number]>;
  beforeEach(() => {
    byName = Object.fromEntries(serviceAlertRules(EVERY_ALERT).rules.map((r) => [r.alert, r]));
  });

  it.each([
    ['MlsServiceDown', 'critical', '2m', / == 0$/],
    ['MlsDatabaseConnectionFailures', 'critical', '2m', /database_connections_active/],
    ['MlsHighCpuUsage', 'warning', '10m', /resource="cpu"\}\) > 0\.8$/],
    [
      'MlsHighMemoryUsage',
      'warning',
      '10m',
      /^max by \(pod\) \(container_memory_working_set_bytes\{.*\}\) \/ max by \(pod\) \(kube_pod_container_resource_limits\{.*resource="memory"\}\) > 0\.9$/,
    ],
    ['MlsSlowDatabaseQueries', 'warning', '5m', /database_query_duration_seconds_count.* > 1$/],
    ['MlsHighLatencyP95', 'warning', '5m', /histogram_quantile\(0\.95, .*http_request_duration_seconds_bucket.* > 2$/],
    ['MlsPodCrashLooping', 'warning', '5m', /CrashLoopBackOff/],
    ['MlsDeploymentReplicasUnavailable', 'warning', '10m', /kube_deployment_status_replicas_unavailable/],
    ['MlsHpaAtMaximum', 'warning', '15m', /kube_horizontalpodautoscaler_spec_max_replicas/],
  ])('%s: %s after %s, threshold in the expression', (alert, severity, forDuration, expr) => {
    const rule = byName[alert]!;
    expect(rule).toBeDefined();
    expect(rule.labels.severity).toBe(severity);
    expect(rule.for).toBe(forDuration);
    expect(rule.expr).toMatch(expr);
    expect(rule.annotations.summary.length).toBeGreaterThan(10);
    expect(rule.annotations.description.length).toBeGreaterThan(10);
    // The anchor is the kind: the alert name without the system's prefix (`Mls`).
    expect(rule.annotations.runbook_url).toBe(`https://example.com/README.md#runbook-${alert.slice(3).toLowerCase()}`);
  });

  it('writes thresholds into the annotations as a reader says them', () => {
    expect(byName.MlsHighCpuUsage!.annotations.summary).toBe(
      'mls-server pod {{ $labels.pod }} uses more than 80% of its CPU limit',
    );
    expect(byName.MlsHighMemoryUsage!.annotations.summary).toBe(
      'mls-server pod {{ $labels.pod }} uses more than 90% of its memory limit',
    );
    const rules = serviceAlertRules({ ...EVERY_ALERT, thresholds: { cpuRatio: 0.755 } }).rules;
    expect(rules.find((r) => r.alert === 'MlsHighCpuUsage')!.annotations.description).toBe(
      'CPU use has been above 75.5% of the limit for 10 minutes.',
    );
    expect(clusterAlertRules({ runbookBaseUrl: 'https://x', system: MLS }).rules[0]!.annotations.summary).toBe(
      'Less than 10% disk left on {{ $labels.instance }} {{ $labels.mountpoint }}',
    );
  });

  it('counts only the live colour for availability', () => {
    for (const alert of [
      'MlsServiceDown',
      'MlsDatabaseConnectionFailures',
      'MlsHighLatencyP95',
      'MlsErrorBudgetBurn1h',
    ]) {
      expect(byName[alert]!.expr).toContain('colour="green"');
      expect(byName[alert]!.expr).not.toContain('colour="blue"');
    }
  });

  it('has no HPA or database alert for a service without an HPA or a database', () => {
    const rules = serviceAlertRules({
      service: 's',
      namespace: 'n',
      live: 'blue',
      runbookBaseUrl: 'https://x',
      system: MLS,
    }).rules;
    expect(rules.map((r) => r.alert)).toEqual([
      'MlsServiceDown',
      'MlsHighCpuUsage',
      'MlsHighMemoryUsage',
      'MlsHighLatencyP95',
      'MlsPodCrashLooping',
      'MlsDeploymentReplicasUnavailable',
      // The burn-rate alerts, once per SLI (availability, then latency).
      ...['availability', 'latency'].flatMap(() => [
        'MlsErrorBudgetBurn1h',
        'MlsErrorBudgetBurn6h',
        'MlsErrorBudgetBurn3d',
      ]),
    ]);
  });

  it('puts node-wide rules in their own group, once', () => {
    const cluster = clusterAlertRules({ runbookBaseUrl: 'https://x', system: MLS });
    expect(cluster.name).toBe('mls-cluster.rules');
    expect(cluster.rules.map((r) => [r.alert, r.labels])).toEqual([['MlsLowDiskSpace', { severity: 'warning' }]]);
    expect(cluster.rules[0]!.expr).toMatch(/node_filesystem_avail_bytes.* < 0\.1$/);
    expect(byName.MlsLowDiskSpace).toBeUndefined();
  });

  it('takes thresholds as props', () => {
    const rules = serviceAlertRules({
      service: 's',
      namespace: 'n',
      live: 'blue',
      runbookBaseUrl: 'https://x',
      system: MLS,
      thresholds: { cpuRatio: 0.6, downMinutes: 5 },
    }).rules;
    expect(rules.find((r) => r.alert === 'MlsHighCpuUsage')!.expr).toMatch(/> 0\.6$/);
    expect(rules.find((r) => r.alert === 'MlsServiceDown')!.for).toBe('5m');
  });
});

describe('monitoring in the stacks', () => {
  it('installs the releases in both environments, with S3 for Loki in production', () => {
    const prod = synthJson('production');
    expect(
      resourcesOf(prod, 'helm_release')
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      'alloy',
      'edge',
      'envoy-gateway',
      'external-secrets',
      'external-secrets-config',
      'kube-prometheus-stack',
      'loki',
      'mls-server-mon',
    ]);
    expect(resourcesOf(prod, 'aws_s3_bucket').map((b) => b.bucket)).toContain('catbird-mls-logs-production');
    expect(values(prod, 'loki').loki.storage.type).toBe('s3');
    expect(values(synthJson('staging'), 'loki').loki.storage.type).toBe('filesystem');
  });

  it("takes alert thresholds per environment, the seeds' by default", () => {
    const rules = (json: SynthJson) => values(json, 'mls-server-mon').groups[1].rules;
    const memory = (json: SynthJson) => rules(json).find((r: any) => r.alert === 'MlsHighMemoryUsage').expr;
    expect(memory(synthJson('production'))).toMatch(/> 0\.9$/);
    const tuned = synthJson('production', (s) => {
      s.monitoring.alerts = { memoryLimitRatio: 0.8 };
      s.services[0].metrics = { statusLabel: 'code' };
    });
    expect(memory(tuned)).toMatch(/> 0\.8$/);
    const sli = values(tuned, 'mls-server-mon').groups[0].rules.find(
      (r: any) => r.record === 'mls:slo_errors:ratio_rate5m',
    );
    expect(sli.expr).toContain('code=~"5.."');
  });

  it('sizes Prometheus per environment', () => {
    expect(values(synthJson('production'), 'kube-prometheus-stack').prometheus.prometheusSpec.retention).toBe('30d');
    expect(values(synthJson('staging'), 'kube-prometheus-stack').prometheus.prometheusSpec.retention).toBe('7d');
  });

  it('alerts on the live colour of the release file', () => {
    const rules = values(synthJson('staging'), 'mls-server-mon').groups[1].rules;
    expect(rules[0].expr).toContain('colour="green"');
  });

  it('disabling monitoring removes every release but the secrets’ and the edge’s, its Secrets and the monitoring namespace', () => {
    const json = synthJson('staging', (s) => (s.monitoring.enabled = false));
    expect(
      resourcesOf(json, 'helm_release')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['edge', 'envoy-gateway', 'external-secrets', 'external-secrets-config']);
    expect(resourcesOf(json, 'kubernetes_config_map_v1').filter((c) => c.metadata.labels.grafana_dashboard)).toEqual(
      [],
    );
    const config = values(json, 'external-secrets-config');
    expect(config.externalSecrets.map((e: any) => e.name)).toEqual(['mls-secrets', 'mls-server-registry']);
    expect(config.store.namespaces).toEqual(['staging']);
    expect(
      resourcesOf(json, 'kubernetes_namespace_v1')
        .map((n) => n.metadata.name)
        .sort(),
    ).toEqual(['envoy-gateway-system', 'external-secrets', 'staging']);
  });
});

describe('pieces built as data', () => {
  it('renders the Alloy pipeline', () => {
    expect(alloyConfig('http://loki:3100/loki/api/v1/push')).toMatchSnapshot();
  });

  it('builds a deterministic dashboard with no ids or timestamps', () => {
    const d = serviceDashboard({ service: 'mls-server', namespace: 'production', rulePrefix: 'mls' });
    expect(JSON.stringify(d)).not.toMatch(/"(id|version|created|updated)":/);
    expect(serviceDashboard({ service: 'mls-server', namespace: 'production', rulePrefix: 'mls' })).toEqual(d);
  });
});

/**
 * Every alert in full: severity, `for:` and the whole expression (its
 * selectors, windows and threshold), for the production service with every
 * optional alert on. Written out, not generated: a changed selector or
 * duration must be a changed line here, reviewed, not a re-recorded snapshot.
 */
describe('alert rules, each exactly', () => {
  const rules = [
    ...serviceAlertRules(EVERY_ALERT).rules,
    ...clusterAlertRules({ runbookBaseUrl: 'https://x', system: MLS }).rules,
  ];
  const table: [string, string | null, string, string, string][] = [
    [
      'MlsServiceDown',
      null,
      'critical',
      '2m',
      '(sum(up{namespace="production", app="mls-server", colour="green"}) or vector(0)) == 0',
    ],
    [
      'MlsHighCpuUsage',
      null,
      'warning',
      '10m',
      'sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="production", pod=~"mls-server-(blue|green)-.*", container="mls-server"}[5m])) / sum by (pod) (kube_pod_container_resource_limits{namespace="production", pod=~"mls-server-(blue|green)-.*", container="mls-server", resource="cpu"}) > 0.8',
    ],
    [
      'MlsHighMemoryUsage',
      null,
      'warning',
      '10m',
      'max by (pod) (container_memory_working_set_bytes{namespace="production", pod=~"mls-server-(blue|green)-.*", container="mls-server"}) / max by (pod) (kube_pod_container_resource_limits{namespace="production", pod=~"mls-server-(blue|green)-.*", container="mls-server", resource="memory"}) > 0.9',
    ],
    [
      'MlsHighLatencyP95',
      null,
      'warning',
      '5m',
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="production", app="mls-server", colour="green"}[5m]))) > 2',
    ],
    [
      'MlsPodCrashLooping',
      null,
      'warning',
      '5m',
      'max by (pod) (kube_pod_container_status_waiting_reason{namespace="production", pod=~"mls-server-(blue|green)-.*", reason="CrashLoopBackOff"}) == 1',
    ],
    [
      'MlsDeploymentReplicasUnavailable',
      null,
      'warning',
      '10m',
      'kube_deployment_status_replicas_unavailable{namespace="production", deployment=~"mls-server-(blue|green)"} > 0',
    ],
    [
      'MlsDatabaseConnectionFailures',
      null,
      'critical',
      '2m',
      'sum(up{namespace="production", app="mls-server", colour="green"}) > 0 and (sum(database_connections_active{namespace="production", app="mls-server", colour="green"}) or vector(0)) == 0',
    ],
    [
      'MlsSlowDatabaseQueries',
      null,
      'warning',
      '5m',
      'sum(rate(database_query_duration_seconds_sum{namespace="production", app="mls-server", colour="green"}[5m])) / sum(rate(database_query_duration_seconds_count{namespace="production", app="mls-server", colour="green"}[5m])) > 1',
    ],
    [
      'MlsHpaAtMaximum',
      null,
      'warning',
      '15m',
      'kube_horizontalpodautoscaler_status_current_replicas{namespace="production", horizontalpodautoscaler="mls-server"} >= kube_horizontalpodautoscaler_spec_max_replicas{namespace="production", horizontalpodautoscaler="mls-server"}',
    ],
    [
      'MlsDidDocumentUnavailable',
      null,
      'critical',
      '5m',
      '(sum(kube_deployment_status_replicas_available{namespace="production", deployment="mls-server-did"}) or vector(0)) < 1',
    ],
    [
      'MlsErrorBudgetBurn1h',
      'availability',
      'critical',
      '2m',
      'mls:slo_error_budget_remaining:ratio{namespace="production", app="mls-server", colour="green", slo="availability"} and on (namespace, app, colour) (mls:slo_errors:ratio_rate1h{namespace="production", app="mls-server", colour="green", slo="availability"} > 0.0144 and mls:slo_errors:ratio_rate5m{namespace="production", app="mls-server", colour="green", slo="availability"} > 0.0144)',
    ],
    [
      'MlsErrorBudgetBurn6h',
      'availability',
      'critical',
      '15m',
      'mls:slo_error_budget_remaining:ratio{namespace="production", app="mls-server", colour="green", slo="availability"} and on (namespace, app, colour) (mls:slo_errors:ratio_rate6h{namespace="production", app="mls-server", colour="green", slo="availability"} > 0.006 and mls:slo_errors:ratio_rate30m{namespace="production", app="mls-server", colour="green", slo="availability"} > 0.006)',
    ],
    [
      'MlsErrorBudgetBurn3d',
      'availability',
      'warning',
      '1h',
      'mls:slo_error_budget_remaining:ratio{namespace="production", app="mls-server", colour="green", slo="availability"} and on (namespace, app, colour) (mls:slo_errors:ratio_rate3d{namespace="production", app="mls-server", colour="green", slo="availability"} > 0.001 and mls:slo_errors:ratio_rate6h{namespace="production", app="mls-server", colour="green", slo="availability"} > 0.001)',
    ],
    [
      'MlsErrorBudgetBurn1h',
      'latency',
      'critical',
      '2m',
      'mls:slo_error_budget_remaining:ratio{namespace="production", app="mls-server", colour="green", slo="latency"} and on (namespace, app, colour) (mls:slo_errors:ratio_rate1h{namespace="production", app="mls-server", colour="green", slo="latency"} > 0.72 and mls:slo_errors:ratio_rate5m{namespace="production", app="mls-server", colour="green", slo="latency"} > 0.72)',
    ],
    [
      'MlsErrorBudgetBurn6h',
      'latency',
      'critical',
      '15m',
      'mls:slo_error_budget_remaining:ratio{namespace="production", app="mls-server", colour="green", slo="latency"} and on (namespace, app, colour) (mls:slo_errors:ratio_rate6h{namespace="production", app="mls-server", colour="green", slo="latency"} > 0.3 and mls:slo_errors:ratio_rate30m{namespace="production", app="mls-server", colour="green", slo="latency"} > 0.3)',
    ],
    [
      'MlsErrorBudgetBurn3d',
      'latency',
      'warning',
      '1h',
      'mls:slo_error_budget_remaining:ratio{namespace="production", app="mls-server", colour="green", slo="latency"} and on (namespace, app, colour) (mls:slo_errors:ratio_rate3d{namespace="production", app="mls-server", colour="green", slo="latency"} > 0.05 and mls:slo_errors:ratio_rate6h{namespace="production", app="mls-server", colour="green", slo="latency"} > 0.05)',
    ],
    [
      'MlsLowDiskSpace',
      null,
      'warning',
      '5m',
      'node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"} < 0.1',
    ],
  ];

  it('has exactly these alerts, in this order', () => {
    expect(rules.map((r) => [r.alert, r.labels.slo ?? null])).toEqual(table.map(([a, slo]) => [a, slo]));
  });

  it.each(table)('%s (%s): %s after %s', (alert, slo, severity, forDuration, expr) => {
    const rule = rules.find((r) => r.alert === alert && (r.labels.slo ?? null) === slo)!;
    expect(rule.labels.severity).toBe(severity);
    expect(rule.for).toBe(forDuration);
    expect(rule.expr).toBe(expr);
  });
});
