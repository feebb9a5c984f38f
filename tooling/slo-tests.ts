/**
 * promtool unit tests for the SLO rules, over synthetic traffic at a chosen
 * burn rate (the error ratio divided by the budget's, 1 - objective):
 *
 * - the 1 h alert fires at 15× burn over 1 h and 5 min, and not on a
 *   5-minute blip that leaves the 1 h ratio low;
 * - the 6 h alert fires on a slow 7× burn that the 1 h alert lets pass;
 * - the 3 d ticket fires at 1.3×, and nothing fires at 0.5×;
 * - the recorded ratios equal hand-computed ones.
 *
 * The objectives come from the typed SLO the rules were built from, never
 * from the PromQL. Long scenarios (three days) go to a file of their own,
 * evaluated every 5 minutes.
 */
import { SERIES_APP_LABEL, SERIES_COLOUR_LABEL } from '../core/labels';
import { budgetRemainingMetric, SliName, SloSpec, hours, errorBudget, errorRatioMetric, objectives } from '../core/slo';
import type { SystemNames } from '../core/names';

export interface SloTestService {
  /** What the rules were named after (`Mls…` alerts, `mls:…` series). */
  readonly system: SystemNames;
  readonly service: string;
  readonly namespace: string;
  readonly live: string;
  readonly statusLabel: string;
  readonly slo?: Partial<SloSpec>;
}

/** A promtool test file's `tests`, with the evaluation interval it needs. */
export interface TestFile {
  readonly evaluationInterval: string;
  readonly tests: object[];
}

/** Requests a minute in the synthetic traffic; bad ones are a share of them. */
const PER_MINUTE = 10_000;

/** Go's `%.4g`: four significant digits, exponent form when the exponent is below -4 or above 3, no trailing zeros. */
function g4(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v === 0 ? '0' : v > 0 ? '+Inf' : '-Inf';
  const [mantissa, exp] = v.toExponential(3).split('e') as [string, string];
  const exponent = Number(exp);
  const trim = (t: string) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  if (exponent < -4 || exponent >= 4)
    return `${trim(mantissa)}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return trim(v.toFixed(3 - exponent));
}

/**
 * Prometheus's `humanize`, as its templates format `$value`: SI prefixes for
 * values of 1000 and more (k, M, …) and below 1 in magnitude (m, u, …); a
 * negative value of -1 or less keeps its digits (-1400).
 */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  if (v >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return `${g4(v)}${prefix}`;
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}`;
}

export const humanizePercentage = (v: number): string => `${humanize(v * 100)}%`;

/** Counter values, one a `step`, that grow by `perStep(i)` at step i. */
function counter(steps: number, perStep: (i: number) => number): string {
  const values = [0];
  for (let i = 1; i <= steps; i++) values.push(values[i - 1]! + perStep(i));
  return values.join(' ');
}

interface Sli {
  readonly name: SliName;
  readonly objective: number;
  readonly thresholdSeconds?: number;
}

/** Input series of traffic whose bad share at step i is `badShare(i)`, for one SLI. */
function traffic(src: SloTestService, sli: Sli, steps: number, stepMinutes: number, badShare: (i: number) => number) {
  const L = `namespace="${src.namespace}", ${SERIES_APP_LABEL}="${src.service}", ${SERIES_COLOUR_LABEL}="${src.live}"`;
  const total = PER_MINUTE * stepMinutes;
  const bad = (i: number) => Math.round(badShare(i) * total);
  if (sli.name === 'availability') {
    return [
      { series: `http_requests_total{${L}, ${src.statusLabel}="500"}`, values: counter(steps, bad) },
      { series: `http_requests_total{${L}, ${src.statusLabel}="200"}`, values: counter(steps, (i) => total - bad(i)) },
    ];
  }
  return [
    { series: `http_request_duration_seconds_count{${L}}`, values: counter(steps, () => total) },
    {
      series: `http_request_duration_seconds_bucket{${L}, le="${sli.thresholdSeconds}"}`,
      values: counter(steps, (i) => total - bad(i)),
    },
  ];
}

/** The labels and description a burn alert fires with, given the budget left. */
function fired(src: SloTestService, sli: Sli, alert: ExpectedAlert, budgetLeft: number, rules: readonly RuleLike[]) {
  // The annotations' text is the rule's; what it must do (labels, when) is the test's.
  const rule = rules.find((r) => r.alert === `${src.system.alertPrefix}${alert.kind}` && r.labels?.slo === sli.name);
  return {
    exp_labels: {
      severity: alert.severity,
      service: src.service,
      slo: sli.name,
      namespace: src.namespace,
      [SERIES_APP_LABEL]: src.service,
      [SERIES_COLOUR_LABEL]: src.live,
    },
    exp_annotations: Object.fromEntries(
      Object.entries(rule?.annotations ?? {}).map(([k, v]) => [
        k,
        v.replace('{{ $value | humanizePercentage }}', humanizePercentage(budgetLeft)),
      ]),
    ),
  };
}

export interface RuleLike {
  readonly alert?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** What a scenario of one SLI is built from. */
interface ScenarioContext {
  readonly budget: number;
  readonly window: string;
  /** The bad share of a burn rate, as the synthetic counters carry it (whole requests), so expectations are exact. */
  readonly share: (burn: number) => number;
  /** The budget left after burning at `burn` since the start. */
  readonly left: (burn: number) => number;
  /** `alertname` firing (with the budget left) or not at all. */
  readonly expect: (alert: ExpectedAlert, budgetLeft?: number) => object;
  /** The SLI's recorded series selector, and its labels as promtool prints them. */
  readonly sel: string;
  readonly labels: string;
  /** The recording rules' level (`mls`). */
  readonly rulePrefix: string;
}

interface Scenario {
  readonly file: 'short' | 'long';
  readonly name: string;
  readonly steps: number;
  readonly stepMinutes: number;
  readonly badShare: (c: ScenarioContext, i: number) => number;
  /** Alert checks, each at its own time. */
  readonly alerts: (c: ScenarioContext) => { at: string; check: object }[];
  readonly exprs?: (c: ScenarioContext) => { at: string; check: object }[];
}

/**
 * What each alert must be, written here rather than read from the rules, so
 * a changed name, severity or `for` fails a test: the pages are critical,
 * the ticket a warning; a page within minutes of a fast burn, the ticket
 * after an hour.
 */
export interface ExpectedAlert {
  /** The alert's name after the system's prefix. */
  readonly kind: string;
  readonly severity: 'critical' | 'warning';
  /** Minutes of burn before it fires: the first recorded ratio (an evaluation) plus its `for`. */
  readonly firesAfter: number;
}
const FAST: ExpectedAlert = { kind: 'ErrorBudgetBurn1h', severity: 'critical', firesAfter: 1 + 2 };
const MEDIUM: ExpectedAlert = { kind: 'ErrorBudgetBurn6h', severity: 'critical', firesAfter: 1 + 15 };
/** Evaluated every 5 minutes: the first ratio at 5 minutes, then an hour. */
const TICKET: ExpectedAlert = { kind: 'ErrorBudgetBurn3d', severity: 'warning', firesAfter: 5 + 60 };

/** Not firing one evaluation (`every` minutes) before its time, firing at it. */
const forChecks = (c: ScenarioContext, alert: ExpectedAlert, burn: number, every: number) => [
  { at: `${alert.firesAfter - every}m`, check: c.expect(alert) },
  { at: `${alert.firesAfter}m`, check: c.expect(alert, c.left(burn)) },
];
// Three days and an hour and a quarter (2-minute samples, so a 5-minute
// window holds two): the 3 d window full, the ticket's hour of `for` past.
const LONG_STEPS = Math.ceil((3 * 24 * 60 + 75) / 2);

/** The scenarios of one SLI, at burn rates around each alert's line. */
const SCENARIOS: readonly Scenario[] = [
  {
    file: 'short',
    name: 'fires the 1 h page at 15× burn over 1 h and 5 min, 2 min after the burn starts',
    steps: 70,
    stepMinutes: 1,
    badShare: (c) => c.share(15),
    alerts: (c) => [...forChecks(c, FAST, 15, 1), { at: '70m', check: c.expect(FAST, c.left(15)) }],
    // The recorded ratios against hand-computed ones (to a billionth: rates are floating point).
    exprs: (c) => [
      ...['5m', '1h'].map((w) => ({
        at: '70m',
        check: {
          expr: `abs(${errorRatioMetric(c.rulePrefix, w)}{${c.sel}} - ${c.share(15)}) < bool 1e-9`,
          exp_samples: [{ labels: c.labels, value: 1 }],
        },
      })),
      {
        at: '70m',
        check: {
          expr: `abs(${budgetRemainingMetric(c.rulePrefix)}{${c.sel}} - ${c.left(15)}) < bool 1e-9`,
          exp_samples: [{ labels: c.labels, value: 1 }],
        },
      },
    ],
  },
  {
    file: 'short',
    // Five minutes bad after 55 good ones: the 5-minute ratio is far over the line, the hour's under it.
    name: 'does not page on a 5-minute blip',
    steps: 60,
    stepMinutes: 1,
    badShare: (c, i) => (i > 55 ? Math.min(1, 100 * c.budget) : 0),
    alerts: (c) => [{ at: '60m', check: c.expect(FAST) }],
    exprs: (c) =>
      [['5m', 1] as const, ['1h', 0] as const].map(([w, over]) => ({
        at: '60m',
        check: {
          // The workbook's first page line: 2 % of the window's budget in an hour (14.4× for 30 days).
          expr: `${errorRatioMetric(c.rulePrefix, w)}{${c.sel}} > bool ${0.02 * hours(c.window) * c.budget}`,
          exp_samples: [{ labels: c.labels, value: over }],
        },
      })),
  },
  {
    file: 'short',
    name: 'fires the 6 h page, not the 1 h one, on a slow 7× burn',
    steps: 7 * 60,
    stepMinutes: 1,
    badShare: (c) => c.share(7),
    alerts: (c) => [
      ...forChecks(c, MEDIUM, 7, 1),
      { at: '7h', check: c.expect(MEDIUM, c.left(7)) },
      { at: '7h', check: c.expect(FAST) },
    ],
  },
  {
    file: 'long',
    name: 'files the 3 d ticket at 1.3× burn, and pages on nothing',
    steps: LONG_STEPS,
    stepMinutes: 2,
    badShare: (c) => c.share(1.3),
    alerts: (c) => [
      ...forChecks(c, TICKET, 1.3, 5),
      ...[c.expect(TICKET, c.left(1.3)), c.expect(MEDIUM), c.expect(FAST)].map((check) => ({ at: '4395m', check })),
    ],
  },
  {
    file: 'long',
    name: 'raises nothing at 0.5× burn',
    steps: LONG_STEPS,
    stepMinutes: 2,
    badShare: (c) => c.share(0.5),
    alerts: (c) => [c.expect(TICKET), c.expect(MEDIUM), c.expect(FAST)].map((check) => ({ at: '4395m', check })),
  },
];

/** The SLO tests of one service, over its alert rules as rendered. */
export function sloTests(
  src: SloTestService,
  rendered: readonly RuleLike[],
): { short: TestFile; long: TestFile; count: number } {
  const files = { short: [] as object[], long: [] as object[] };
  let count = 0;
  for (const sli of objectives(src.slo)) {
    const budget = errorBudget(sli.objective);
    const share = (burn: number) => Math.round(burn * budget * PER_MINUTE) / PER_MINUTE;
    const c: ScenarioContext = {
      budget,
      window: src.slo?.window ?? '30d',
      share,
      left: (burn) => 1 - share(burn) / budget,
      expect: (alert, budgetLeft) => ({
        alertname: `${src.system.alertPrefix}${alert.kind}`,
        exp_alerts: budgetLeft === undefined ? [] : [fired(src, sli, alert, budgetLeft, rendered)],
      }),
      sel: `namespace="${src.namespace}", ${SERIES_APP_LABEL}="${src.service}", ${SERIES_COLOUR_LABEL}="${src.live}", slo="${sli.name}"`,
      rulePrefix: src.system.rulePrefix,
      labels: `{${SERIES_APP_LABEL}="${src.service}", ${SERIES_COLOUR_LABEL}="${src.live}", namespace="${src.namespace}", slo="${sli.name}"}`,
    };
    for (const s of SCENARIOS) {
      const alerts = s.alerts(c);
      const exprs = s.exprs?.(c) ?? [];
      count += alerts.length + exprs.length;
      files[s.file].push({
        name: `${src.service} ${sli.name}: ${s.name}`,
        interval: `${s.stepMinutes}m`,
        input_series: traffic(src, sli, s.steps, s.stepMinutes, (i) => s.badShare(c, i)),
        alert_rule_test: alerts.map((a) => ({ eval_time: a.at, ...a.check })),
        promql_expr_test: exprs.map((e) => ({ eval_time: e.at, ...e.check })),
      });
    }
  }
  return {
    short: { evaluationInterval: '1m', tests: files.short },
    long: { evaluationInterval: '5m', tests: files.long },
    count,
  };
}
