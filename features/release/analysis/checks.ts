/**
 * A release analysis as data: the checks before a switch and after it, the
 * lines of the checks file the program reads (analysis.sh), and the words
 * the plan summary and `release status` show. The metric checks read the
 * service's own series (the SLI recording rules of slo.ts) and
 * kube-state-metrics. Pure; no cdktf.
 */
import type { Colour } from '../../../core/colours';
import { SERIES_APP_LABEL, SERIES_COLOUR_LABEL } from '../../../core/labels';
import { colourName } from '../../../core/names';
import { cpuMillis, memoryBytes } from '../../../core/quantities';
import { errorRatioMetric } from '../../monitoring/slo';
import type { AnalysisSettings } from './schema';

export interface SmokeCheck {
  readonly kind: 'smoke';
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly status: number;
  readonly maxLatencyMs: number;
}

export interface MetricCheck {
  readonly kind: 'metric';
  readonly name: string;
  /** `max`: the value must be at most the threshold; `min`: at least. */
  readonly bound: 'max' | 'min';
  readonly threshold: number;
  readonly intervalSeconds: number;
  readonly count: number;
  readonly failureLimit: number;
  /** PromQL; every series it returns is measured, the worst counts. */
  readonly query: string;
}

export type Check = SmokeCheck | MetricCheck;

/** What the checks of one service's analysis are built from. */
export interface AnalysisTarget {
  readonly service: string;
  readonly namespace: string;
  /** The colour the release runs on (the new one). */
  readonly colour: Colour;
  /** Replicas a colour runs at full size. */
  readonly replicas: number;
  /** The live colour's autoscaling maximum. @default replicas (no autoscaler) */
  readonly maxReplicas?: number;
  /** One pod's requests. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** The namespace's ResourceQuota. */
  readonly quotaName: string;
  /** Whether Prometheus runs (monitoring enabled): without it there are only smoke checks. */
  readonly metrics: boolean;
}

const smokeChecks = (settings: AnalysisSettings): SmokeCheck[] => settings.smoke.map((c) => ({ kind: 'smoke', ...c }));

/** Selectors of the new colour: its scraped series, its Deployment, its pods. */
function selectors(t: AnalysisTarget) {
  const deployment = colourName(t.service, t.colour);
  return {
    series: `namespace="${t.namespace}", ${SERIES_APP_LABEL}="${t.service}", ${SERIES_COLOUR_LABEL}="${t.colour}"`,
    deployment: `namespace="${t.namespace}", deployment="${deployment}"`,
    // A colour's pods are `<deployment>-<hash>-<suffix>`; the container is the service's.
    pods: `namespace="${t.namespace}", pod=~"${deployment}-[a-z0-9]+-[a-z0-9]+", container="${t.service}"`,
  };
}

/** The room left in the namespace quota for one resource: hard minus used. */
const quotaRoom = (t: AnalysisTarget, resource: string) => {
  const sel = `namespace="${t.namespace}", resourcequota="${t.quotaName}", resource="${resource}"`;
  return `min(kube_resourcequota{${sel}, type="hard"} - ignoring(type) kube_resourcequota{${sel}, type="used"})`;
};

/**
 * Before the switch: the smoke checks against the preview Service, then
 * pre-flight metrics: the new colour is available at full size and has not
 * restarted in 10 minutes, no node is not Ready, and the quota leaves room
 * for the autoscaler to grow the new colour from full size to its maximum.
 */
export function preChecks(settings: AnalysisSettings, t: AnalysisTarget): Check[] {
  if (!t.metrics) return smokeChecks(settings);
  const sel = selectors(t);
  const growth = Math.max(0, (t.maxReplicas ?? t.replicas) - t.replicas);
  const m = (name: string, bound: 'max' | 'min', threshold: number, query: string): MetricCheck => ({
    kind: 'metric',
    name,
    bound,
    threshold,
    ...settings.pre,
    query,
  });
  return [
    ...smokeChecks(settings),
    m('available_replicas', 'min', t.replicas, `min(kube_deployment_status_replicas_available{${sel.deployment}})`),
    m('restarts', 'max', 0, `sum(increase(kube_pod_container_status_restarts_total{${sel.pods}}[10m]))`),
    m('nodes_not_ready', 'max', 0, 'sum(kube_node_status_condition{condition="Ready", status!="true"})'),
    m('quota_cpu_room', 'min', round((growth * cpuMillis(t.requests.cpu)) / 1000), quotaRoom(t, 'requests.cpu')),
    m('quota_memory_room', 'min', growth * memoryBytes(t.requests.memory), quotaRoom(t, 'requests.memory')),
    m('quota_pods_room', 'min', growth, quotaRoom(t, 'pods')),
  ];
}

/**
 * After the switch, on the new live colour: the smoke checks against the
 * live Service, its error ratio (the availability SLI's 5-minute series),
 * its 95th percentile response time and its restarts.
 */
export function postChecks(settings: AnalysisSettings, t: AnalysisTarget): Check[] {
  if (!t.metrics) return smokeChecks(settings);
  const sel = selectors(t);
  const { errorRatio, p95LatencySeconds, restarts } = settings.post;
  return [
    ...smokeChecks(settings),
    {
      kind: 'metric',
      name: 'error_ratio',
      bound: 'max',
      ...errorRatio,
      query: `max(${errorRatioMetric('5m')}{${sel.series}, slo="availability"})`,
    },
    {
      kind: 'metric',
      name: 'p95_latency_seconds',
      bound: 'max',
      ...p95LatencySeconds,
      query: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${sel.series}}[5m])))`,
    },
    {
      kind: 'metric',
      name: 'restarts',
      bound: 'max',
      ...restarts,
      query: `sum(increase(kube_pod_container_status_restarts_total{${sel.pods}}[5m]))`,
    },
  ];
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The checks file: one check a line, fields split on spaces, the query
 * URL-encoded (so it holds no space, and no `${` or `%{` that Terraform
 * would read as its own).
 */
export function checksFile(checks: readonly Check[]): string {
  return `${checks
    .map((c) =>
      c.kind === 'smoke'
        ? ['smoke', c.name, c.method, c.path, c.status, c.maxLatencyMs].join(' ')
        : [
            'metric',
            c.name,
            c.bound,
            c.threshold,
            c.intervalSeconds,
            c.count,
            c.failureLimit,
            encodeURIComponent(c.query),
          ].join(' '),
    )
    .join('\n')}\n`;
}

/** Seconds the metric checks watch: the longest check's interval × count (they run side by side). */
export function watchSeconds(checks: readonly Check[]): number {
  return Math.max(0, ...checks.map((c) => (c.kind === 'metric' ? c.intervalSeconds * c.count : 0)));
}

/** "2 smoke checks, 6 metric checks over 30 s". */
export function describeChecks(checks: readonly Check[]): string {
  const smoke = checks.filter((c) => c.kind === 'smoke').length;
  const metric = checks.length - smoke;
  const plural = (n: number, what: string) => `${n} ${what} check${n === 1 ? '' : 's'}`;
  if (metric === 0) return `${plural(smoke, 'smoke')} (no metric checks: monitoring is off)`;
  return `${plural(smoke, 'smoke')}, ${plural(metric, 'metric')} over ${duration(watchSeconds(checks))}`;
}

/** 30 → "30 s", 300 → "5 m", 90 → "90 s". */
export function duration(seconds: number): string {
  return seconds >= 60 && seconds % 60 === 0 ? `${seconds / 60} m` : `${seconds} s`;
}
