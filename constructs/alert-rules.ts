/**
 * The seeds' alert rules as typed data, rendered into Prometheus rule
 * groups (the shape of a PrometheusRule's `spec.groups`). Thresholds come
 * from seed 000 (with seed 004's where stricter) and are props, not magic
 * numbers in expressions.
 */
import type { Colour } from '../environments/colours';
import { colourNamePattern, colourPodPattern } from './labels';

export type Severity = 'critical' | 'warning';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold, e.g. '2m'. */
  readonly for: string;
  readonly labels: { readonly severity: Severity; readonly service: string };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export interface AlertThresholds {
  /** Minutes with no live pod up before "down". @default 2 */
  readonly downMinutes?: number;
  /** 5xx share of requests, 0–1. @default 0.05 */
  readonly errorRatio?: number;
  /** CPU use as a share of the limit, 0–1. @default 0.8 */
  readonly cpuRatio?: number;
  /** Resident memory in bytes. @default 512 MiB (seed: "above 512MB") */
  readonly memoryBytes?: number;
  /** Average database query time in seconds. @default 1 */
  readonly slowQuerySeconds?: number;
  /** Free disk share, 0–1. @default 0.1 */
  readonly diskFreeRatio?: number;
  /** p95 request latency in seconds. @default 2 */
  readonly p95LatencySeconds?: number;
}

export interface ServiceAlertProps {
  readonly service: string;
  readonly namespace: string;
  /** The live colour: availability rules count only its pods, so an idle colour scaled down is not "down". */
  readonly live: Colour;
  /** Base URL of the runbook; each alert links to `#runbook-<alert>` (lower case). */
  readonly runbookBaseUrl: string;
  /** Label holding the HTTP status on `http_requests_total`. @default 'status' */
  readonly statusLabel?: string;
  readonly thresholds?: AlertThresholds;
  /** Whether the service has an HPA (adds "HPA at its maximum"). @default false */
  readonly autoscaled?: boolean;
  /** Deployment name of the service's DID responder (adds "DID document unavailable"). @default none */
  readonly didResponder?: string;
}

const DEFAULTS: Required<AlertThresholds> = {
  downMinutes: 2,
  errorRatio: 0.05,
  cpuRatio: 0.8,
  memoryBytes: 512 * 1024 * 1024,
  slowQuerySeconds: 1,
  diskFreeRatio: 0.1,
  p95LatencySeconds: 2,
};

const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;

/** The alert rules for one service. */
export function serviceAlertRules(props: ServiceAlertProps): RuleGroup {
  const t = { ...DEFAULTS, ...props.thresholds };
  const { service: svc, namespace: ns } = props;
  const status = props.statusLabel ?? 'status';
  // Scraped series carry `app` and `colour` (see the PodMonitor relabelling).
  const live = `namespace="${ns}", app="${svc}", colour="${props.live}"`;
  const pods = `namespace="${ns}", pod=~"${colourPodPattern(svc)}"`;
  const rule = (
    alert: string,
    severity: Severity,
    forDuration: string,
    expr: string,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    labels: { severity, service: svc },
    annotations: { summary, description, runbook_url: `${props.runbookBaseUrl}#runbook-${alert.toLowerCase()}` },
  });

  const rules: AlertRule[] = [
    rule(
      'MlsServiceDown',
      'critical',
      `${t.downMinutes}m`,
      `(sum(up{${live}}) or vector(0)) == 0`,
      `${svc} is down in ${ns}`,
      `No ${props.live} (live) pod of ${svc} has answered a scrape for ${t.downMinutes} minutes.`,
    ),
    rule(
      'MlsDatabaseConnectionFailures',
      'critical',
      '2m',
      `sum(up{${live}}) > 0 and (sum(database_connections_active{${live}}) or vector(0)) == 0`,
      `${svc} has no database connections in ${ns}`,
      `${svc} is up but holds no active database connection: it cannot reach PostgreSQL.`,
    ),
    rule(
      'MlsHighErrorRate',
      'critical',
      '5m',
      `sum(rate(http_requests_total{${live}, ${status}=~"5.."}[5m])) / sum(rate(http_requests_total{${live}}[5m])) > ${t.errorRatio}`,
      `${svc} answers more than ${percent(t.errorRatio)} of requests with 5xx`,
      `The 5xx share of ${svc}'s requests has been above ${percent(t.errorRatio)} for 5 minutes.`,
    ),
    rule(
      'MlsHighCpuUsage',
      'warning',
      '10m',
      `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}, container="${svc}"}[5m])) / sum by (pod) (kube_pod_container_resource_limits{${pods}, container="${svc}", resource="cpu"}) > ${t.cpuRatio}`,
      `${svc} pod {{ $labels.pod }} uses more than ${percent(t.cpuRatio)} of its CPU limit`,
      `CPU use has been above ${percent(t.cpuRatio)} of the limit for 10 minutes.`,
    ),
    rule(
      'MlsHighMemoryUsage',
      'warning',
      '10m',
      `process_resident_memory_bytes{namespace="${ns}", app="${svc}"} > ${t.memoryBytes}`,
      `${svc} pod {{ $labels.pod }} uses more than ${Math.round(t.memoryBytes / 2 ** 20)}MiB`,
      `Resident memory has been above ${Math.round(t.memoryBytes / 2 ** 20)}MiB for 10 minutes.`,
    ),
    rule(
      'MlsSlowDatabaseQueries',
      'warning',
      '5m',
      `sum(rate(database_query_duration_seconds_sum{${live}}[5m])) / sum(rate(database_query_duration_seconds_count{${live}}[5m])) > ${t.slowQuerySeconds}`,
      `${svc} database queries take more than ${t.slowQuerySeconds}s on average`,
      `The average database query time has been above ${t.slowQuerySeconds}s for 5 minutes.`,
    ),
    rule(
      'MlsLowDiskSpace',
      'warning',
      '5m',
      `node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"} < ${t.diskFreeRatio}`,
      `Less than ${percent(t.diskFreeRatio)} disk left on {{ $labels.instance }} {{ $labels.mountpoint }}`,
      `A node filesystem has had less than ${percent(t.diskFreeRatio)} free for 5 minutes.`,
    ),
    rule(
      'MlsHighLatencyP95',
      'warning',
      '5m',
      `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${live}}[5m]))) > ${t.p95LatencySeconds}`,
      `${svc} p95 latency is above ${t.p95LatencySeconds}s`,
      `The 95th percentile of request latency has been above ${t.p95LatencySeconds}s for 5 minutes.`,
    ),
    rule(
      'MlsPodCrashLooping',
      'warning',
      '5m',
      `max by (pod) (kube_pod_container_status_waiting_reason{${pods}, reason="CrashLoopBackOff"}) == 1`,
      `${svc} pod {{ $labels.pod }} is crash-looping`,
      `A container of ${svc} has been in CrashLoopBackOff for 5 minutes.`,
    ),
    rule(
      'MlsDeploymentReplicasUnavailable',
      'warning',
      '10m',
      `kube_deployment_status_replicas_unavailable{namespace="${ns}", deployment=~"${colourNamePattern(svc)}"} > 0`,
      `${svc} deployment {{ $labels.deployment }} has unavailable replicas`,
      `Some replicas of {{ $labels.deployment }} have been unavailable for 10 minutes.`,
    ),
  ];
  if (props.autoscaled) {
    rules.push(
      rule(
        'MlsHpaAtMaximum',
        'warning',
        '15m',
        `kube_horizontalpodautoscaler_status_current_replicas{namespace="${ns}", horizontalpodautoscaler="${svc}"} >= kube_horizontalpodautoscaler_spec_max_replicas{namespace="${ns}", horizontalpodautoscaler="${svc}"}`,
        `${svc} has been at its HPA maximum for 15 minutes`,
        `The HPA cannot add replicas: raise maxReplicas or find what drives the load.`,
      ),
    );
  }
  if (props.didResponder) {
    rules.push(
      rule(
        'MlsDidDocumentUnavailable',
        'critical',
        '5m',
        `(kube_deployment_status_replicas_available{namespace="${ns}", deployment="${props.didResponder}"} or vector(0)) < 1`,
        `${svc}'s DID document is not served in ${ns}`,
        `No replica of ${props.didResponder} is available: clients cannot resolve the service's did:web document.`,
      ),
    );
  }
  return { name: `${svc}.rules`, rules };
}
