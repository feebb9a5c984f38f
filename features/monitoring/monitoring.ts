import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Release } from '@cdktf/provider-helm/lib/release';
import { AssetType, ITerraformDependable, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { Colour } from '../../core/colours';
import {
  APP_LABEL,
  COLOUR_LABEL,
  SERIES_APP_LABEL,
  SERIES_COLOUR_LABEL,
  appSelector,
  managedLabels,
  podLabelMeta,
} from '../../core/labels';
import { GRAFANA, KUBE_PROMETHEUS_STACK_RELEASE, SystemNames, monitoringReleaseName } from '../../core/names';
import { helmValues } from '../../constructs/helm-values';
import type { ISecretStore } from '../secrets/external-secrets';
import { AlertThresholds, clusterAlertRules, serviceAlertRules, serviceSloRules } from './alert-rules';
import { CHARTS, ChartRef } from './charts';
import { serviceDashboard } from './service-dashboard';
import { SCRAPE_INTERVAL_SECONDS, type SloSpec } from '../../core/slo';

/** A service to scrape, alert on and chart. */
export interface MonitoredService {
  readonly name: string;
  readonly namespace: string;
  /** The live colour; availability alerts count only its pods. */
  readonly live: Colour;
  /** Metrics path on the pods' `http` port. @default '/metrics' */
  readonly metricsPath?: string;
  /** Whether the service has an HPA. @default false */
  readonly autoscaled?: boolean;
  /** Whether the service uses the database (its database alerts). @default false */
  readonly database?: boolean;
  /** Deployment name of the service's DID responder. @default none */
  readonly didResponder?: string;
  /** Label holding the HTTP status on `http_requests_total`. @default 'status' */
  readonly statusLabel?: string;
  /** The service's objectives. @default DEFAULT_SLO */
  readonly slo?: Partial<SloSpec>;
}

export interface LokiObjectStorage {
  readonly bucketName: string;
  readonly region: string;
  /** IAM role for Loki's service account (IRSA). */
  readonly roleArn: string;
  /** Resources Loki must not start before, such as the role's policy. @default none */
  readonly grants?: ITerraformDependable[];
}

export interface MonitoringProps {
  /** The monitoring namespace (a reference, so the releases wait for it). */
  readonly namespace: string;
  /** The same namespace by name, where its Secrets are declared. */
  readonly namespaceName: string;
  /** Where Grafana's and Alertmanager's Secrets are declared (External Secrets Operator). */
  readonly secrets: ISecretStore;
  readonly services: readonly MonitoredService[];
  /** Prometheus retention, e.g. '15d'. @default '15d' */
  readonly prometheusRetention?: string;
  /** Prometheus volume size. @default '50Gi' */
  readonly prometheusStorage?: string;
  /** Loki volume size. @default '10Gi' */
  readonly lokiStorage?: string;
  /** Loki chunks in S3 instead of its volume. @default none (filesystem) */
  readonly lokiObjectStorage?: LokiObjectStorage;
  /** Log shipper. Promtail reached end of life in March 2026. @default 'alloy' */
  readonly logShipper?: 'alloy' | 'promtail';
  /** Secrets Manager id of the Grafana admin password. */
  readonly grafanaAdminSecretId: string;
  /** Grafana host for an ingress-nginx Ingress (the Gateway API route is the Edge's). @default no Ingress */
  readonly grafanaHost?: string;
  /** Secrets Manager id of the Slack incoming-webhook URL. */
  readonly slackWebhookSecretId: string;
  readonly slackChannel: string;
  /** Where alert runbook links point. */
  readonly runbookBaseUrl: string;
  /** What the services' alerts and recorded series are named after (`systemNames('mls')`). */
  readonly system: SystemNames;
  /** Alert thresholds. @default the alert rules' (DEFAULT_THRESHOLDS) */
  readonly alertThresholds?: AlertThresholds;
}

const GRAFANA_ADMIN_SECRET = 'grafana-admin';
const SLACK_SECRET = 'alertmanager-slack';
const SLACK_KEY = 'webhook-url';
const LOKI_URL = (ns: string) => `http://loki.${ns}.svc.cluster.local:3100`;

/**
 * Prometheus, Grafana and Alertmanager (kube-prometheus-stack), Loki in
 * single-binary mode, and a log shipper, with the services' alert rules,
 * PodMonitors and dashboards. No credential is a literal: Grafana's admin
 * password and the Slack webhook come from Secrets Manager into Secrets the
 * charts read.
 */
export class Monitoring extends Construct {
  public readonly releases: Release[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const ns = props.namespace;

    const grafanaAdmin = props.secrets.add({
      name: GRAFANA_ADMIN_SECRET,
      namespace: props.namespaceName,
      data: { 'admin-password': { awsSecretId: props.grafanaAdminSecretId } },
      template: { 'admin-user': 'admin' },
    });
    const slack = props.secrets.add({
      name: SLACK_SECRET,
      namespace: props.namespaceName,
      data: { [SLACK_KEY]: { awsSecretId: props.slackWebhookSecretId } },
    });
    this.addDashboards(props);

    // The Secrets the chart reads are declared before it installs; Grafana rolls when its password rotates.
    const kubePrometheusStack = this.release(
      KUBE_PROMETHEUS_STACK_RELEASE,
      CHARTS.kubePrometheusStack,
      ns,
      [...new Set([grafanaAdmin.ready, slack.ready])],
      kubePrometheusStackValues(props, grafanaAdmin.versionChecksum),
    );

    this.addServiceMonitoring(props, kubePrometheusStack);

    const loki = this.release('loki', CHARTS.loki, ns, props.lokiObjectStorage?.grants ?? [], lokiValues(props));

    this.addLogShipper(props, loki);
  }

  /** A Grafana dashboard per service, provisioned from a ConfigMap the Grafana sidecar picks up. */
  private addDashboards(props: MonitoringProps): void {
    for (const svc of props.services) {
      new ConfigMapV1(this, `dashboard-${svc.name}`, {
        metadata: {
          name: `dashboard-${svc.name}-${svc.namespace}`,
          namespace: props.namespace,
          labels: { ...managedLabels(), grafana_dashboard: '1' },
        },
        data: {
          [`${svc.name}-${svc.namespace}.json`]: JSON.stringify(
            serviceDashboard({
              service: svc.name,
              namespace: svc.namespace,
              statusLabel: svc.statusLabel,
              slo: svc.slo,
              rulePrefix: props.system.rulePrefix,
            }),
          ),
        },
      });
    }
  }

  /** Every pod's logs to Loki, with Alloy (the default) or Promtail. */
  private addLogShipper(props: MonitoringProps, loki: Release): void {
    const ns = props.namespace;
    const push = `${LOKI_URL(ns)}/loki/api/v1/push`;
    if ((props.logShipper ?? 'alloy') === 'alloy') {
      this.release('alloy', CHARTS.alloy, ns, [loki], {
        alloy: { configMap: { create: true, content: alloyConfig(push) } },
        // loki.source.kubernetes tails logs through the API server: one
        // replica ships every pod's logs, no host paths needed.
        controller: { type: 'deployment', replicas: 1 },
      });
    } else {
      this.release('promtail', CHARTS.promtail, ns, [loki], {
        config: {
          clients: [{ url: push }],
          // The chart labels app, namespace, pod and container; colour is ours.
          snippets: {
            extraRelabelConfigs: [
              { action: 'replace', source_labels: [podLabelMeta(COLOUR_LABEL)], target_label: SERIES_COLOUR_LABEL },
            ],
          },
        },
      });
    }
  }

  /**
   * Each service's PrometheusRule and PodMonitor, as a release of the
   * project's own chart (charts/service-monitoring, copied into the stack as
   * an asset). It waits for kube-prometheus-stack, which installs their CRDs
   * in the same apply; Helm creates custom resources at apply time, so no
   * plan needs the CRDs (as `kubernetes_manifest` would).
   */
  private addServiceMonitoring(props: MonitoringProps, kubePrometheusStack: Release): void {
    if (props.services.length === 0) return;
    const chart = new TerraformAsset(this, 'service-monitoring-chart', {
      path: 'charts/service-monitoring',
      type: AssetType.DIRECTORY,
    });
    for (const svc of props.services) {
      this.release(monitoringReleaseName(svc.name), { chart: chart.path }, props.namespace, [kubePrometheusStack], {
        labels: { ...managedLabels(), ...appSelector(svc.name) },
        groups: [
          serviceSloRules({
            service: svc.name,
            namespace: svc.namespace,
            statusLabel: svc.statusLabel,
            slo: svc.slo,
            system: props.system,
          }),
          serviceAlertRules({
            service: svc.name,
            namespace: svc.namespace,
            live: svc.live,
            runbookBaseUrl: props.runbookBaseUrl,
            system: props.system,
            autoscaled: svc.autoscaled,
            database: svc.database,
            didResponder: svc.didResponder,
            thresholds: props.alertThresholds,
            statusLabel: svc.statusLabel,
            slo: svc.slo,
          }),
        ],
        podMonitor: podMonitorSpec(svc),
      });
    }
  }

  private release(
    name: string,
    chart: ChartRef | { readonly chart: string },
    namespace: string,
    dependsOn: ITerraformDependable[],
    values: object,
  ): Release {
    const release = new Release(this, name, {
      dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
      name,
      namespace,
      repository: 'repository' in chart ? chart.repository : undefined,
      chart: chart.chart,
      version: 'version' in chart ? chart.version : undefined,
      values: [helmValues(values)],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: 900,
      maxHistory: 10,
    });
    this.releases.push(release);
    return release;
  }
}

/** kube-prometheus-stack's values: Prometheus, Alertmanager, Grafana, and the cluster rules. */
function kubePrometheusStackValues(props: MonitoringProps, grafanaSecretChecksum: string) {
  return {
    crds: { enabled: true },
    prometheus: {
      prometheusSpec: {
        retention: props.prometheusRetention ?? '15d',
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: props.prometheusStorage ?? '50Gi' } },
            },
          },
        },
        // Select rules, ServiceMonitors and PodMonitors from every release
        // and namespace, not only the chart's own.
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
      },
    },
    // Rules about the cluster, once; each service's rules and PodMonitor
    // are releases of their own (below), so these values stay the same
    // size whatever the number of services.
    additionalPrometheusRulesMap: {
      [`${props.system.partOf}-cluster`]: {
        groups: [
          clusterAlertRules({
            runbookBaseUrl: props.runbookBaseUrl,
            system: props.system,
            thresholds: props.alertThresholds,
          }),
        ],
      },
    },
    // Labels on kube-state-metrics series: pods by colour; the release
    // markers (a Service's colour, a colour Deployment's version).
    'kube-state-metrics': {
      metricLabelsAllowlist: [
        `pods=[${APP_LABEL},${COLOUR_LABEL}]`,
        `deployments=[${APP_LABEL},${COLOUR_LABEL},app.kubernetes.io/version]`,
        `services=[${APP_LABEL},${COLOUR_LABEL}]`,
      ],
    },
    alertmanager: {
      alertmanagerSpec: { secrets: [SLACK_SECRET] },
      config: alertmanagerConfig(props.slackChannel),
    },
    grafana: grafanaValues(props, grafanaSecretChecksum),
  };
}

/** Grafana's values: the admin from its Secret, a volume (recreated, not rolled), dashboards, Loki, an Ingress when a host is set. */
function grafanaValues(props: MonitoringProps, secretChecksum: string) {
  return {
    podAnnotations: { 'checksum/secrets': secretChecksum },
    admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: 'admin-user', passwordKey: 'admin-password' },
    persistence: { enabled: true, size: '10Gi' },
    // A ReadWriteOnce volume cannot attach to a second pod: a rolling
    // update would wait forever for the new pod (and stall wait/atomic).
    deploymentStrategy: { type: 'Recreate' },
    sidecar: {
      dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' },
    },
    additionalDataSources: [
      { name: 'Loki', type: 'loki', uid: 'loki', access: 'proxy', url: LOKI_URL(props.namespace) },
    ],
    ingress: props.grafanaHost
      ? {
          enabled: true,
          ingressClassName: 'nginx',
          hosts: [props.grafanaHost],
          tls: [{ hosts: [props.grafanaHost], secretName: GRAFANA.tlsSecretName }],
        }
      : { enabled: false },
  };
}

/** Loki's values: single binary, on its volume or with chunks in S3. */
function lokiValues(props: MonitoringProps) {
  const s3 = props.lokiObjectStorage;
  const store = s3 ? 's3' : 'filesystem';
  return {
    deploymentMode: 'SingleBinary',
    loki: {
      auth_enabled: false,
      commonConfig: { replication_factor: 1 },
      storage: s3
        ? {
            type: 's3',
            bucketNames: { chunks: s3.bucketName, ruler: s3.bucketName },
            s3: { region: s3.region },
          }
        : { type: 'filesystem' },
      schemaConfig: {
        configs: [
          {
            from: '2024-04-01',
            store: 'tsdb',
            object_store: store,
            schema: 'v13',
            index: { prefix: 'loki_index_', period: '24h' },
          },
        ],
      },
      limits_config: { retention_period: '744h' },
      compactor: { retention_enabled: true, delete_request_store: store },
    },
    singleBinary: {
      replicas: 1,
      persistence: {
        enabled: true,
        size: props.lokiStorage ?? '10Gi',
        // Keep the volume (staging's only copy of its logs) when the
        // release is uninstalled, a failed atomic install rolls back, or
        // the StatefulSet scales down.
        enableStatefulSetAutoDeletePVC: true,
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      },
    },
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    gateway: { enabled: false },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
    serviceAccount: s3 ? { annotations: { 'eks.amazonaws.com/role-arn': s3.roleArn } } : undefined,
  };
}

/** A PodMonitor's spec: scrapes both colours' pods; the pod's `version` label becomes `colour`. */
function podMonitorSpec(svc: MonitoredService) {
  return {
    namespaceSelector: { matchNames: [svc.namespace] },
    selector: { matchLabels: appSelector(svc.name) },
    podMetricsEndpoints: [
      {
        port: 'http',
        path: svc.metricsPath ?? '/metrics',
        interval: `${SCRAPE_INTERVAL_SECONDS}s`,
        relabelings: [
          { sourceLabels: [podLabelMeta(APP_LABEL)], targetLabel: SERIES_APP_LABEL },
          { sourceLabels: [podLabelMeta(COLOUR_LABEL)], targetLabel: SERIES_COLOUR_LABEL },
          { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
          { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
        ],
      },
    ],
  };
}

/**
 * Critical and warning alerts to Slack (the webhook URL is read from the
 * mounted Secret); everything else, the chart's `info` alerts, InfoInhibitor
 * and Watchdog included, to a null receiver. The inhibit rules are the
 * chart's own, which a custom config would otherwise drop.
 */
function alertmanagerConfig(channel: string) {
  const slack = (name: string) => ({
    name,
    slack_configs: [
      {
        api_url_file: `/etc/alertmanager/secrets/${SLACK_SECRET}/${SLACK_KEY}`,
        channel,
        send_resolved: true,
        title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})',
        text: '{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}',
      },
    ],
  });
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'null',
      group_by: ['alertname', 'namespace', 'service'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'null', matchers: ['alertname =~ "InfoInhibitor|Watchdog"'] },
        { receiver: 'slack-critical', matchers: ['severity = "critical"'], repeat_interval: '1h' },
        { receiver: 'slack-warning', matchers: ['severity = "warning"'], repeat_interval: '4h' },
      ],
    },
    inhibit_rules: [
      // A critical alert silences the warning and info alerts of the same alert and namespace.
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
      // InfoInhibitor (severity none) fires while a namespace has info alerts only: it silences them, as the chart intends.
      {
        source_matchers: ['alertname = "InfoInhibitor"'],
        target_matchers: ['severity = "info"'],
        equal: ['namespace'],
      },
      { target_matchers: ['alertname = "InfoInhibitor"'] },
    ],
    receivers: [{ name: 'null' }, slack('slack-critical'), slack('slack-warning')],
  };
}

/** Alloy pipeline: every pod's logs to Loki, labelled with namespace, pod, container, app and colour. */
export function alloyConfig(pushUrl: string): string {
  const relabel = (from: string, to: string) =>
    `  rule {\n    source_labels = ["${from}"]\n    target_label  = "${to}"\n  }`;
  return (
    [
      'discovery.kubernetes "pods" {\n  role = "pod"\n}',
      [
        'discovery.relabel "pods" {',
        '  targets = discovery.kubernetes.pods.targets',
        relabel('__meta_kubernetes_namespace', 'namespace'),
        relabel('__meta_kubernetes_pod_name', 'pod'),
        relabel('__meta_kubernetes_pod_container_name', 'container'),
        relabel(podLabelMeta(APP_LABEL), SERIES_APP_LABEL),
        relabel(podLabelMeta(COLOUR_LABEL), SERIES_COLOUR_LABEL),
        '}',
      ].join('\n'),
      'loki.source.kubernetes "pods" {\n  targets    = discovery.relabel.pods.output\n  forward_to = [loki.write.default.receiver]\n}',
      `loki.write "default" {\n  endpoint {\n    url = "${pushUrl}"\n  }\n}`,
    ].join('\n\n') + '\n'
  );
}
