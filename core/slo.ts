/**
 * Service level objectives as code: for each service, its SLIs as error
 * ratios over the windows the burn-rate alerts and the release analysis
 * read (recording rules), the error budget left over the SLO window, and
 * multiwindow, multi-burn-rate alerts (the Google SRE Workbook, "Alerting on
 * SLOs", table 5-8: page at 2 % of the budget in an hour or 5 % in six
 * hours, ticket at 10 % in three days). Pure data; no cdktf.
 */
import { SERIES_APP_LABEL, SERIES_COLOUR_LABEL } from './labels';
import { DURATION_BUCKETS, seriesMatchers } from './promql';

/** An objective: the share of requests that must be good over the window. */
export interface Objective {
  /** 0 < objective < 1, e.g. 0.999. */
  readonly objective: number;
}

export interface LatencyObjective extends Objective {
  /** A request is good when it is answered within this many seconds: a bucket boundary of the histogram. */
  readonly thresholdSeconds: number;
}

export interface SloSpec {
  /** The window the objectives hold over, in days ('30d'). */
  readonly window: string;
  /** Non-5xx responses. @default 99.9 % */
  readonly availability?: Objective;
  /** Responses within a threshold. @default 95 % within 2 s */
  readonly latency?: LatencyObjective;
}

/**
 * The objectives the MLS server is run to: availability 99.9 %, 95th
 * percentile under 2 s (95 % of requests within 2 s), over 30 days.
 */
export const DEFAULT_SLO = {
  window: '30d',
  availability: { objective: 0.999 },
  latency: { objective: 0.95, thresholdSeconds: 2 },
} as const satisfies Required<SloSpec>;

/**
 * Buckets (`le`, seconds) of `http_request_duration_seconds` when a service
 * says none: the Prometheus clients' defaults with 2 s added, the boundary
 * the default latency objective needs. The server must export them; an
 * environment that knows other buckets says so (`metrics.latencyBuckets`).
 */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10];

/** Seconds between two scrapes of a service's pods (its PodMonitor's interval). */
export const SCRAPE_INTERVAL_SECONDS = 30;

/** The windows each SLI's error ratio is recorded over. */
export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type SliWindow = (typeof SLI_WINDOWS)[number];

/** Which SLI a recorded series is, by its `slo` label. */
export type SliName = 'availability' | 'latency';

/** The recorded error ratio of an SLI over a window: `<prefix>:slo_errors:ratio_rate<window>{slo="<sli>"}`. */
export const errorRatioMetric = (rulePrefix: string, window: string) => `${rulePrefix}:slo_errors:ratio_rate${window}`;
/** The share of the error budget left over the SLO window (1 is all of it; below 0, overspent). */
export const budgetRemainingMetric = (rulePrefix: string) => `${rulePrefix}:slo_error_budget_remaining:ratio`;

/**
 * The burn-rate alerts: both windows must burn faster than `budgetShare` of
 * the budget would allow in the long window, so a short blip (long window
 * low) and a recovered burn (short window low) do not page.
 */
export const BURN_ALERTS = [
  { kind: 'ErrorBudgetBurn1h', long: '1h', short: '5m', budgetShare: 0.02, severity: 'critical', for: '2m' },
  { kind: 'ErrorBudgetBurn6h', long: '6h', short: '30m', budgetShare: 0.05, severity: 'critical', for: '15m' },
  { kind: 'ErrorBudgetBurn3d', long: '3d', short: '6h', budgetShare: 0.1, severity: 'warning', for: '1h' },
] as const satisfies readonly {
  /** The alert's name after the system's prefix (`Mls` + `ErrorBudgetBurn1h`). */
  kind: string;
  long: SliWindow;
  short: SliWindow;
  budgetShare: number;
  severity: 'critical' | 'warning';
  for: string;
}[];

const HOURS: Record<string, number> = { m: 1 / 60, h: 1, d: 24, w: 168 };
export const hours = (duration: string): number => Number(duration.slice(0, -1)) * HOURS[duration.slice(-1)]!;

/** The burn rate that spends `budgetShare` of the window's budget in `long`: 14.4 for 2 % in 1 h of 30 days. */
export const burnRate = (window: string, alert: (typeof BURN_ALERTS)[number]): number =>
  Math.round(((alert.budgetShare * hours(window)) / hours(alert.long)) * 1000) / 1000;

/** The burn rate of the fastest page over `window`: 14.4 for 30 days (2 % of the budget in an hour). */
export const fastestBurnRate = (window: string): number => Math.max(...BURN_ALERTS.map((b) => burnRate(window, b)));

/** What a service's SLIs are computed from. */
export interface SliSource {
  readonly service: string;
  readonly namespace: string;
  /** Label holding the HTTP status on `http_requests_total`. */
  readonly statusLabel: string;
  /** The recording rules' level (`mls`). */
  readonly rulePrefix: string;
}

/** A recording rule (the shape of a PrometheusRule's rule). */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

const BY = `sum by (namespace, ${SERIES_APP_LABEL}, ${SERIES_COLOUR_LABEL})`;

/** A PromQL regex matching a bucket boundary as clients write it and as Prometheus 3 stores it (`2` and `2.0`). */
export function leMatcher(seconds: number): string {
  const text = String(seconds).replace('.', '\\\\.');
  return Number.isInteger(seconds) ? `${text}|${text}\\\\.0` : text;
}

/** The error ratio of an SLI over `window`, per namespace, service and colour. */
export function errorRatioExpr(src: SliSource, sli: SliName, window: string, thresholdSeconds?: number): string {
  const sel = seriesMatchers(src.namespace, src.service);
  if (sli === 'availability') {
    const total = `${BY} (rate(http_requests_total{${sel}}[${window}]))`;
    // No 5xx series at all is no error, not no data.
    return `(${BY} (rate(http_requests_total{${sel}, ${src.statusLabel}=~"5.."}[${window}])) or 0 * ${total}) / ${total}`;
  }
  const count = `${BY} (rate(http_request_duration_seconds_count{${sel}}[${window}]))`;
  const fast = `${BY} (rate(${DURATION_BUCKETS}{${sel}, le=~"${leMatcher(thresholdSeconds!)}"}[${window}]))`;
  return `(${count} - ${fast}) / ${count}`;
}

/** The objectives of a spec, by SLI, with the defaults filled in. */
export function objectives(
  spec: Partial<SloSpec> = {},
): { name: SliName; objective: number; thresholdSeconds?: number }[] {
  const availability = spec.availability ?? DEFAULT_SLO.availability;
  const latency = spec.latency ?? DEFAULT_SLO.latency;
  return [
    { name: 'availability', objective: availability.objective },
    { name: 'latency', objective: latency.objective, thresholdSeconds: latency.thresholdSeconds },
  ];
}

/**
 * The recording rules of a service's SLIs: each SLI's error ratio over
 * SLI_WINDOWS and over the SLO window (the mean of the 5-minute ratio, as
 * Sloth records it), and the budget left.
 */
export function sliRecordingRules(src: SliSource, spec: Partial<SloSpec> = {}): RecordingRule[] {
  const window = spec.window ?? DEFAULT_SLO.window;
  const sel = seriesMatchers(src.namespace, src.service);
  return objectives(spec).flatMap(({ name, objective, thresholdSeconds }) => [
    ...SLI_WINDOWS.map((w) => ({
      record: errorRatioMetric(src.rulePrefix, w),
      expr: errorRatioExpr(src, name, w, thresholdSeconds),
      labels: { slo: name },
    })),
    {
      record: errorRatioMetric(src.rulePrefix, window),
      expr: `avg_over_time(${errorRatioMetric(src.rulePrefix, '5m')}{${sel}, slo="${name}"}[${window}])`,
      labels: { slo: name },
    },
    {
      record: budgetRemainingMetric(src.rulePrefix),
      expr: `1 - ${errorRatioMetric(src.rulePrefix, window)}{${sel}, slo="${name}"} / ${errorBudget(objective)}`,
      labels: { slo: name },
    },
  ]);
}

/** The error budget of an objective, 1 - objective, as the rules write it (1 - 0.999 is 0.001, not 0.0010000000000000009). */
export const errorBudget = (objective: number): number => round(1 - objective);

const round = (n: number) => Math.round(n * 1e9) / 1e9;

export const percent = (ratio: number): string => `${Math.round(ratio * 100000) / 1000}%`;

/** The burn-rate alert rules' parts, for one SLI of the live colour (alert-rules.ts makes them rules). */
export function burnAlerts(
  src: SliSource,
  live: string,
  spec: Partial<SloSpec> = {},
): {
  kind: string;
  severity: 'critical' | 'warning';
  for: string;
  expr: string;
  slo: SliName;
  summary: string;
  description: string;
}[] {
  const window = spec.window ?? DEFAULT_SLO.window;
  const sel = seriesMatchers(src.namespace, src.service, live);
  return objectives(spec).flatMap(({ name, objective }) =>
    BURN_ALERTS.map((b) => {
      const rate = burnRate(window, b);
      const threshold = round(rate * errorBudget(objective));
      const series = (w: string) => `${errorRatioMetric(src.rulePrefix, w)}{${sel}, slo="${name}"}`;
      return {
        kind: b.kind,
        severity: b.severity,
        for: b.for,
        slo: name,
        // The alert's value is the budget left, for the annotation.
        expr: `${budgetRemainingMetric(src.rulePrefix)}{${sel}, slo="${name}"} and on (namespace, ${SERIES_APP_LABEL}, ${SERIES_COLOUR_LABEL}) (${series(b.long)} > ${threshold} and ${series(b.short)} > ${threshold})`,
        summary: `${src.service} burns its ${name} error budget ${rate}× too fast (${b.long} and ${b.short})`,
        description: `Both the ${b.long} and the ${b.short} ${name} error ratios of ${src.service} (${live}) are above ${percent(threshold)}, ${rate}× the rate its ${percent(objective)} objective allows: at this pace ${percent(b.budgetShare)} of the ${window} budget goes in ${b.long}. Budget left over the ${window}: {{ $value | humanizePercentage }}.`,
      };
    }),
  );
}

/** The smallest error budget whose alert thresholds stay distinct from zero in the rules (six decimals). */
export const MIN_ERROR_BUDGET = 0.000001;

/**
 * What makes a service's objectives unable to alert meaningfully: a budget
 * so large that a page needs an error ratio above 1 (the ratio never gets
 * there), so small that it rounds to nothing (every 5xx pages), or a window
 * so short that a paging burn rate falls below 1 (pages while the budget
 * holds).
 */
export function sloIssues(spec: Partial<SloSpec> = {}): { path: string[]; message: string }[] {
  const window = spec.window ?? DEFAULT_SLO.window;
  const issues: { path: string[]; message: string }[] = [];
  const paging = BURN_ALERTS.filter((b) => b.severity === 'critical');
  const slowest = paging.reduce((a, b) => (burnRate(window, a) < burnRate(window, b) ? a : b));
  if (burnRate(window, slowest) < 1) {
    const days = Math.ceil(hours(slowest.long) / slowest.budgetShare / 24);
    issues.push({
      path: ['slo', 'window'],
      message: `(${window}) is too short for the burn-rate pages: ${slowest.kind} would page at ${burnRate(window, slowest)}× the sustainable rate, while the budget still holds; use at least ${days}d`,
    });
  }
  const fastest = fastestBurnRate(window);
  for (const { name, objective } of objectives(spec)) {
    const given = spec[name] !== undefined;
    const path = given ? ['slo', name, 'objective'] : ['slo', 'window'];
    const what = given ? `(${objective})` : `(${window}) with the default ${name} objective ${objective}`;
    if (fastest * (1 - objective) >= 1) {
      const lowest = Math.ceil((1 - 1 / fastest) * 10000) / 10000;
      issues.push({
        path,
        message: `${what} leaves a budget so large that the fastest page needs an error ratio of ${round(fastest * (1 - objective))}, above 1, which no ratio reaches: use an objective of at least ${lowest}${given ? '' : ', or a shorter window'}`,
      });
    }
    if (1 - objective < MIN_ERROR_BUDGET) {
      issues.push({
        path,
        message: `${what} leaves an error budget below ${MIN_ERROR_BUDGET} (one request in a million): the alert thresholds round to nothing and every error would page; use at most ${1 - MIN_ERROR_BUDGET}`,
      });
    }
  }
  return issues;
}
