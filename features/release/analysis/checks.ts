/**
 * A release analysis as data: the checks before a switch and after it, the
 * lines of the checks file the program reads (analysis.sh), and the words
 * the plan summary and `release status` show. The metric checks read the
 * service's own series (the SLI recording rules of slo.ts) and
 * kube-state-metrics. Pure; no cdktf.
 */
import type { Colour } from '../../../core/colours';
import { colourName } from '../../../core/names';
import { cpuMillis, memoryBytes } from '../../../core/quantities';
import { DEFAULT_STATUS_LABEL, DURATION_BUCKETS, durationQuantile, seriesMatchers } from '../../../core/promql';
import { DEFAULT_SLO, errorBudget, fastestBurnRate } from '../../../core/slo';
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
  /** One measurement beyond this bound fails the check at once. @default none */
  readonly failFast?: number;
  readonly intervalSeconds: number;
  readonly count: number;
  /** More failed measurements than this fail the check. */
  readonly failureLimit: number;
  /** More measurements without trustworthy data than this make the check inconclusive. */
  readonly inconclusiveLimit: number;
  /** PromQL; every series it returns is measured, the worst counts. */
  readonly query: string;
  /** PromQL of how many samples (requests) the value is computed from, and the fewest it is trusted on. @default none */
  readonly samples?: { readonly query: string; readonly min: number };
}

/** The analysis's own requests against the colour while the metrics are measured (a quiet colour is judged on data). */
export interface LoadCheck {
  readonly kind: 'load';
  readonly ratePerSecond: number;
  readonly paths: readonly string[];
}

export type Check = SmokeCheck | MetricCheck | LoadCheck;

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
  /** The service's availability objective (the default error-ratio limit comes from it). @default DEFAULT_SLO's */
  readonly availabilityObjective?: number;
  /** Label holding the HTTP status on `http_requests_total`. @default 'status' */
  readonly statusLabel?: string;
}

const smokeChecks = (settings: AnalysisSettings): SmokeCheck[] => settings.smoke.map((c) => ({ kind: 'smoke', ...c }));

/** The load line: its own rate, and the GET smoke paths unless the settings name others. None at rate 0. */
function load(settings: AnalysisSettings): LoadCheck[] {
  const paths = settings.load.paths ?? settings.smoke.filter((c) => c.method === 'GET').map((c) => c.path);
  return settings.load.ratePerSecond > 0 && paths.length > 0
    ? [{ kind: 'load', ratePerSecond: settings.load.ratePerSecond, paths }]
    : [];
}

/**
 * A counter's increase over the last `seconds`, counting a series born in
 * that window from 0. `rate()` and `increase()` never count a series' first
 * sample, so a new colour's first 5xx answers (a series of its own, created
 * by the first one) would read as none, and its ratio as 0 or too low. A
 * counter child is created by its first increment, so its value at birth
 * is what it counted since then. A series that was reset (its pod
 * restarted) counts from the reset.
 */
export const increaseOver = (series: string, seconds: number): string =>
  `((${series} - (${series} offset ${seconds}s or ${series} * 0)) >= 0 or ${series})`;

/**
 * The error ratio a release is rolled back at, unless the file says: the
 * burn rate of the fastest SLO page over the default window (14.4× the
 * budget: 2 % of a 30-day budget in an hour), never above the seeds' 10 %.
 * 1.44 % for 99.9 %.
 */
export const SEEDS_ERROR_RATIO = 0.1;
export function defaultErrorRatioThreshold(objective: number = DEFAULT_SLO.availability.objective): number {
  const fast = fastestBurnRate(DEFAULT_SLO.window);
  return Math.min(SEEDS_ERROR_RATIO, Math.round(fast * errorBudget(objective) * 1e6) / 1e6);
}

/** Selectors of the new colour: its scraped series, its Deployment, its pods. */
function selectors(t: AnalysisTarget) {
  const deployment = colourName(t.service, t.colour);
  return {
    series: seriesMatchers(t.namespace, t.service, t.colour),
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
    ...load(settings),
    ...smokeChecks(settings),
    m('available_replicas', 'min', t.replicas, `min(kube_deployment_status_replicas_available{${sel.deployment}})`),
    m('restarts', 'max', 0, `sum(${increaseOver(`kube_pod_container_status_restarts_total{${sel.pods}}`, 600)})`),
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
  const status = t.statusLabel ?? DEFAULT_STATUS_LABEL;
  const requests = (w: number, extra = '') => `sum(${increaseOver(`http_requests_total{${sel.series}${extra}}`, w)})`;
  const latencyCount = (w: number) => `sum(${increaseOver(`http_request_duration_seconds_count{${sel.series}}`, w)})`;
  const { minRequests: minErrorRequests, failFastThreshold, threshold, ...errorWatch } = errorRatio;
  const { minRequests: minLatencyRequests, ...latencyWatch } = p95LatencySeconds;
  const e = errorWatch.intervalSeconds;
  const l = latencyWatch.intervalSeconds;
  return [
    ...load(settings),
    ...smokeChecks(settings),
    {
      kind: 'metric',
      name: 'error_ratio',
      bound: 'max',
      threshold: threshold ?? defaultErrorRatioThreshold(t.availabilityObjective),
      failFast: failFastThreshold,
      ...errorWatch,
      // No 5xx series at all is no error; no requests at all is 0/0, no data.
      query: `(${requests(e, `, ${status}=~"5.."`)} or vector(0)) / ${requests(e)}`,
      samples: { query: requests(e), min: minErrorRequests },
    },
    {
      kind: 'metric',
      name: 'p95_latency_seconds',
      bound: 'max',
      ...latencyWatch,
      query: durationQuantile(0.95, increaseOver(`${DURATION_BUCKETS}{${sel.series}}`, l)),
      samples: { query: latencyCount(l), min: minLatencyRequests },
    },
    {
      kind: 'metric',
      name: 'restarts',
      bound: 'max',
      ...restarts,
      query: `sum(${increaseOver(`kube_pod_container_status_restarts_total{${sel.pods}}`, restarts.intervalSeconds)})`,
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
  const line = (c: Check): (string | number)[] => {
    switch (c.kind) {
      case 'load':
        return ['load', c.ratePerSecond, ...c.paths];
      case 'smoke':
        return ['smoke', c.name, c.method, c.path, c.status, c.maxLatencyMs];
      case 'metric':
        return [
          'metric',
          c.name,
          c.bound,
          c.threshold,
          c.failFast ?? '-',
          c.intervalSeconds,
          c.count,
          c.failureLimit,
          c.inconclusiveLimit,
          c.samples?.min ?? '-',
          encodeURIComponent(c.query),
          c.samples ? encodeURIComponent(c.samples.query) : '-',
        ];
    }
  };
  return `${checks.map((c) => line(c).join(' ')).join('\n')}\n`;
}

/** Seconds the metric checks watch: the longest check's interval × count (they run side by side). */
export function watchSeconds(checks: readonly Check[]): number {
  return Math.max(0, ...checks.map((c) => (c.kind === 'metric' ? c.intervalSeconds * c.count : 0)));
}

/**
 * The longest the program can run: every smoke request taking the whole
 * timeout, then the slowest metric check with each of its measurements
 * taking its interval plus two whole query timeouts (the value and its
 * sample count).
 */
export function longestRunSeconds(checks: readonly Check[], requestTimeoutSeconds: number): number {
  const smokes = checks.filter((c) => c.kind === 'smoke').length;
  const metric = Math.max(
    0,
    ...checks.map((c) => (c.kind === 'metric' ? c.count * (c.intervalSeconds + 2 * requestTimeoutSeconds) : 0)),
  );
  return smokes * requestTimeoutSeconds + metric;
}

/** "2 smoke checks, 6 metric checks over 30 s". */
export function describeChecks(checks: readonly Check[]): string {
  const smoke = checks.filter((c) => c.kind === 'smoke').length;
  const metric = checks.filter((c) => c.kind === 'metric').length;
  const plural = (n: number, what: string) => `${n} ${what} check${n === 1 ? '' : 's'}`;
  if (metric === 0) return `${plural(smoke, 'smoke')} (no metric checks: monitoring is off)`;
  return `${plural(smoke, 'smoke')}, ${plural(metric, 'metric')} over ${duration(watchSeconds(checks))}`;
}

/** 30 → "30 s", 300 → "5 m", 90 → "90 s". */
export function duration(seconds: number): string {
  return seconds >= 60 && seconds % 60 === 0 ? `${seconds / 60} m` : `${seconds} s`;
}
