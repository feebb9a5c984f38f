/**
 * The service's alert rules as typed data, rendered into Prometheus rule
 * groups (the shape of a PrometheusRule's `spec.groups`). Thresholds are
 * props with the deployment guides' values as defaults, not magic numbers
 * in expressions.
 */
import type { Colour } from '../../core/colours';
import { DEFAULT_STATUS_LABEL, DURATION_BUCKETS, durationQuantile, seriesMatchers } from '../../core/promql';
import { SystemNames, colourNamePattern, colourPodPattern } from '../../core/names';
import { RecordingRule, SloSpec, burnAlerts, sliRecordingRules } from '../../core/slo';

export type Severity = 'critical' | 'warning';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold, e.g. '2m'. */
  readonly for: string;
  /** `service` on service rules (and `slo` on burn-rate alerts); cluster rules have none. */
  readonly labels: { readonly severity: Severity; readonly service?: string; readonly slo?: string };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface RuleGroup<R = AlertRule> {
  readonly name: string;
  readonly rules: readonly R[];
}

export interface AlertThresholds {
  /** Minutes with no live pod up before "down". @default 2 */
  readonly downMinutes?: number;
  /** CPU use as a share of the limit, 0–1. @default 0.8 */
  readonly cpuRatio?: number;
  /**
   * Working-set memory as a share of the container's limit, 0–1. Not an
   * absolute size: at the limit (512Mi) the pod is OOM-killed, so an alert
   * there could never fire; this one fires before it. @default 0.9
   */
  readonly memoryLimitRatio?: number;
  /** Average database query time in seconds. @default 1 */
  readonly slowQuerySeconds?: number;
  /** Free disk share, 0–1. @default 0.1 */
  readonly diskFreeRatio?: number;
  /** p95 request latency in seconds. @default 2 */
  readonly p95LatencySeconds?: number;
}

/**
 * The deployment guides' thresholds (the stricter where two guides differ):
 * the one place they are written.
 */
export const DEFAULT_THRESHOLDS: Required<AlertThresholds> = {
  downMinutes: 2,
  cpuRatio: 0.8,
  memoryLimitRatio: 0.9,
  slowQuerySeconds: 1,
  diskFreeRatio: 0.1,
  p95LatencySeconds: 2,
};

export interface ServiceAlertProps extends RuleNaming {
  readonly service: string;
  readonly namespace: string;
  /** The live colour: availability rules count only its pods, so an idle colour scaled down is not "down". */
  readonly live: Colour;
  /** Label holding the HTTP status on `http_requests_total`. @default 'status' */
  readonly statusLabel?: string;
  readonly thresholds?: AlertThresholds;
  /** Whether the service has an HPA (adds "HPA at its maximum"). @default false */
  readonly autoscaled?: boolean;
  /** Whether the service uses the database (adds the database alerts). @default false */
  readonly database?: boolean;
  /** Deployment name of the service's DID responder (adds "DID document unavailable"). @default none */
  readonly didResponder?: string;
  /** The service's objectives (burn-rate alerts on its SLIs). @default DEFAULT_SLO */
  readonly slo?: Partial<SloSpec>;
}

const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;

/** Where a rule's name and runbook link come from. */
interface RuleNaming {
  /** Base URL of the runbooks; each alert links to `#runbook-<kind>` (lower case), the same for every system. */
  readonly runbookBaseUrl: string;
  /** The system the alert is about: its name is `<alertPrefix><kind>` (`MlsServiceDown`). */
  readonly system: SystemNames;
}

/** One rule of a kind (`ServiceDown`), named for the system, with its runbook link. */
function makeRule(
  naming: RuleNaming,
  labels: AlertRule['labels'],
  kind: string,
  forDuration: string,
  expr: string,
  summary: string,
  description: string,
): AlertRule {
  return {
    alert: `${naming.system.alertPrefix}${kind}`,
    expr,
    for: forDuration,
    labels,
    annotations: { summary, description, runbook_url: `${naming.runbookBaseUrl}#runbook-${kind.toLowerCase()}` },
  };
}

export interface ClusterAlertProps extends RuleNaming {
  readonly thresholds?: AlertThresholds;
}

/** Rules about the cluster rather than a service, emitted once per environment. */
export function clusterAlertRules(props: ClusterAlertProps): RuleGroup {
  const t = { ...DEFAULT_THRESHOLDS, ...props.thresholds };
  const fs = 'fstype!~"tmpfs|overlay|squashfs"';
  return {
    name: `${props.system.partOf}-cluster.rules`,
    rules: [
      makeRule(
        props,
        { severity: 'warning' },
        'LowDiskSpace',
        '5m',
        `node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} < ${t.diskFreeRatio}`,
        `Less than ${percent(t.diskFreeRatio)} disk left on {{ $labels.instance }} {{ $labels.mountpoint }}`,
        `A node filesystem has had less than ${percent(t.diskFreeRatio)} free for 5 minutes.`,
      ),
    ],
  };
}

/** The alert rules for one service. */
// eslint-disable-next-line max-lines-per-function -- a table of alert rules, one entry a few lines
export function serviceAlertRules(props: ServiceAlertProps): RuleGroup {
  const t = { ...DEFAULT_THRESHOLDS, ...props.thresholds };
  const { service: svc, namespace: ns } = props;
  const status = props.statusLabel ?? DEFAULT_STATUS_LABEL;
  // Scraped series carry `app` and `colour` (see the PodMonitor relabelling).
  const live = seriesMatchers(ns, svc, props.live);
  const pods = `namespace="${ns}", pod=~"${colourPodPattern(svc)}"`;
  const container = `${pods}, container="${svc}"`;
  const rule = (severity: Severity, ...rest: [string, string, string, string, string]) =>
    makeRule(props, { severity, service: svc }, ...rest);

  const rules: AlertRule[] = [
    rule(
      'critical',
      'ServiceDown',
      `${t.downMinutes}m`,
      `(sum(up{${live}}) or vector(0)) == 0`,
      `${svc} is down in ${ns}`,
      `No ${props.live} (live) pod of ${svc} has answered a scrape for ${t.downMinutes} minutes.`,
    ),
    rule(
      'warning',
      'HighCpuUsage',
      '10m',
      `sum by (pod) (rate(container_cpu_usage_seconds_total{${container}}[5m])) / sum by (pod) (kube_pod_container_resource_limits{${container}, resource="cpu"}) > ${t.cpuRatio}`,
      `${svc} pod {{ $labels.pod }} uses more than ${percent(t.cpuRatio)} of its CPU limit`,
      `CPU use has been above ${percent(t.cpuRatio)} of the limit for 10 minutes.`,
    ),
    rule(
      'warning',
      'HighMemoryUsage',
      '10m',
      `max by (pod) (container_memory_working_set_bytes{${container}}) / max by (pod) (kube_pod_container_resource_limits{${container}, resource="memory"}) > ${t.memoryLimitRatio}`,
      `${svc} pod {{ $labels.pod }} uses more than ${percent(t.memoryLimitRatio)} of its memory limit`,
      `Working-set memory has been above ${percent(t.memoryLimitRatio)} of the limit for 10 minutes; at the limit the pod is OOM-killed.`,
    ),
    rule(
      'warning',
      'HighLatencyP95',
      '5m',
      `${durationQuantile(0.95, `rate(${DURATION_BUCKETS}{${live}}[5m])`)} > ${t.p95LatencySeconds}`,
      `${svc} p95 latency is above ${t.p95LatencySeconds}s`,
      `The 95th percentile of request latency has been above ${t.p95LatencySeconds}s for 5 minutes.`,
    ),
    rule(
      'warning',
      'PodCrashLooping',
      '5m',
      `max by (pod) (kube_pod_container_status_waiting_reason{${pods}, reason="CrashLoopBackOff"}) == 1`,
      `${svc} pod {{ $labels.pod }} is crash-looping`,
      `A container of ${svc} has been in CrashLoopBackOff for 5 minutes.`,
    ),
    rule(
      'warning',
      'DeploymentReplicasUnavailable',
      '10m',
      `kube_deployment_status_replicas_unavailable{namespace="${ns}", deployment=~"${colourNamePattern(svc)}"} > 0`,
      `${svc} deployment {{ $labels.deployment }} has unavailable replicas`,
      `Some replicas of {{ $labels.deployment }} have been unavailable for 10 minutes.`,
    ),
  ];
  if (props.database) {
    rules.push(
      rule(
        'critical',
        'DatabaseConnectionFailures',
        '2m',
        `sum(up{${live}}) > 0 and (sum(database_connections_active{${live}}) or vector(0)) == 0`,
        `${svc} has no database connections in ${ns}`,
        `${svc} is up but holds no active database connection: it cannot reach PostgreSQL.`,
      ),
      rule(
        'warning',
        'SlowDatabaseQueries',
        '5m',
        `sum(rate(database_query_duration_seconds_sum{${live}}[5m])) / sum(rate(database_query_duration_seconds_count{${live}}[5m])) > ${t.slowQuerySeconds}`,
        `${svc} database queries take more than ${t.slowQuerySeconds}s on average`,
        `The average database query time has been above ${t.slowQuerySeconds}s for 5 minutes.`,
      ),
    );
  }
  if (props.autoscaled) {
    const hpa = `namespace="${ns}", horizontalpodautoscaler="${svc}"`;
    rules.push(
      rule(
        'warning',
        'HpaAtMaximum',
        '15m',
        `kube_horizontalpodautoscaler_status_current_replicas{${hpa}} >= kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`,
        `${svc} has been at its HPA maximum for 15 minutes`,
        `The HPA cannot add replicas: raise maxReplicas or find what drives the load.`,
      ),
    );
  }
  if (props.didResponder) {
    rules.push(
      rule(
        'critical',
        'DidDocumentUnavailable',
        '5m',
        `(sum(kube_deployment_status_replicas_available{namespace="${ns}", deployment="${props.didResponder}"}) or vector(0)) < 1`,
        `${svc}'s DID document is not served in ${ns}`,
        `No replica of ${props.didResponder} is available: clients cannot resolve the service's did:web document.`,
      ),
    );
  }
  const src = { service: svc, namespace: ns, statusLabel: status, rulePrefix: props.system.rulePrefix };
  for (const b of burnAlerts(src, props.live, props.slo)) {
    rules.push({
      ...makeRule(props, { severity: b.severity, service: svc }, b.kind, b.for, b.expr, b.summary, b.description),
      labels: { severity: b.severity, service: svc, slo: b.slo },
    });
  }
  return { name: `${svc}.rules`, rules };
}

/** The recording rules of a service's SLIs (slo.ts), a group of their own, evaluated before the alerts read them. */
export function serviceSloRules(
  props: Pick<ServiceAlertProps, 'service' | 'namespace' | 'statusLabel' | 'slo' | 'system'>,
): RuleGroup<RecordingRule> {
  const src = {
    service: props.service,
    namespace: props.namespace,
    statusLabel: props.statusLabel ?? DEFAULT_STATUS_LABEL,
    rulePrefix: props.system.rulePrefix,
  };
  return { name: `${props.service}.slo.rules`, rules: sliRecordingRules(src, props.slo) };
}
