/**
 * What an environment file says about a service's release analysis
 * (`services[].analysis`): the smoke checks, how often the pre-flight
 * metrics are measured before the switch, and the metric checks that watch
 * the new colour after it. The defaults are the seeds' numbers: a response
 * within 2 s; roll back on an error ratio above 10 % for 5 minutes or a
 * response time above 5 s.
 */
import { z } from 'zod';
import { onlyWhenFieldsValid } from '../../fields';
import type { FieldIssue } from '../../../core/errors';
import { DEFAULT_LATENCY_BUCKETS, SCRAPE_INTERVAL_SECONDS } from '../../../core/slo';

const checkName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a check name: up to 40 of a-z, 0-9 and "_", starting with a letter');

/** A path with an optional query; no spaces (the checks file is split on them). */
const requestPath = z
  .string()
  .regex(
    /^\/[A-Za-z0-9._~/-]*(\?[A-Za-z0-9._~=&%:,+-]*)?$/,
    'must be an absolute HTTP path, with an optional query, such as "/health" (no spaces)',
  );

const smokeCheck = z.strictObject({
  name: checkName,
  method: z.enum(['GET', 'POST']).default('GET'),
  path: requestPath,
  /** The status the colour must answer with. */
  status: z.number().int().min(100).max(599),
  /** Slowest acceptable answer. @default 2000 (seed 004: response time under 2 s) */
  maxLatencyMs: z.number().int().min(1).max(60_000).default(2000),
});

/**
 * How a metric is measured: `count` times, `intervalSeconds` apart, each
 * measurement over the interval before it. More than `failureLimit` failed
 * measurements fail the check; more than `inconclusiveLimit` without
 * trustworthy data (Prometheus unreachable, no series, too few samples)
 * make it inconclusive; and a check whose measurements with data mostly
 * failed fails, whatever the limits.
 */
const measurementOf = (inconclusiveLimit: number) =>
  z.strictObject({
    intervalSeconds: z.number().int().min(1).max(600),
    count: z.number().int().min(1).max(60),
    failureLimit: z.number().int().min(0),
    /** @default 1 before the switch, 2 after it */
    inconclusiveLimit: z.number().int().min(0).default(inconclusiveLimit),
  });
const measurement = measurementOf(1);
const watched = measurementOf(2);

/** Fewest requests a windowed measurement is judged on: fewer is no data. @default DEFAULT_MIN_REQUESTS */
const minRequests = z.number().int().min(1).max(100_000);

const metricCheck = (threshold: z.ZodNumber) => watched.extend({ threshold });

/** `/health` answers 200 (seed 004). A service's own paths (the MLS server's XRPC check) are listed in its file. */
export const DEFAULT_SMOKE_CHECKS = [
  { name: 'health', method: 'GET', path: '/health', status: 200, maxLatencyMs: 2000 },
] as const;

/** Pre-flight: three measurements ten seconds apart; none may fail, one may lack data. */
export const DEFAULT_PRE = { intervalSeconds: 10, count: 3, failureLimit: 0, inconclusiveLimit: 1 } as const;

/**
 * Post-promotion: a measurement a minute for 5 minutes (the seeds' "for 5
 * minutes"); the check fails at the third failed minute, at once when one
 * minute is beyond the fail-fast bound, and gives no verdict when three
 * minutes have no data.
 */
const WATCH = { intervalSeconds: 60, count: 5, failureLimit: 2, inconclusiveLimit: 2 } as const;

/**
 * At least 50 requests a minute to judge a ratio on: at a 1.44 % limit one
 * error in 50 is already 2 %, so fewer requests could only say "one error"
 * or "none". The analysis's own load (2 a second) gives 120 a minute.
 */
export const DEFAULT_MIN_REQUESTS = 50;
export const DEFAULT_POST = {
  /** `threshold` defaults from the service's availability objective (defaultErrorRatioThreshold, checks.ts). */
  errorRatio: { ...WATCH, failFastThreshold: 0.5, minRequests: DEFAULT_MIN_REQUESTS },
  p95LatencySeconds: { threshold: 5, ...WATCH, minRequests: DEFAULT_MIN_REQUESTS },
  /** Any restart of the new colour while it is watched fails it. */
  restarts: { threshold: 0, ...WATCH, failureLimit: 0 },
} as const;

/** The analysis's own load: 2 requests a second, to the GET smoke paths. */
export const DEFAULT_LOAD = { ratePerSecond: 2 } as const;

export const analysisSchema = z
  .strictObject({
    /** Requests against the colour: the preview Service before the switch, the live one after. @default DEFAULT_SMOKE_CHECKS */
    smoke: z
      .array(smokeCheck)
      .min(1, 'must hold at least one check: the new colour must answer before traffic moves to it')
      .prefault(() => DEFAULT_SMOKE_CHECKS.map((c) => ({ ...c }))),
    /** Seconds a smoke request or a Prometheus query may take before it counts as no answer. @default 5 */
    requestTimeoutSeconds: z.number().int().min(1).max(60).default(5),
    /**
     * The analysis's own requests while the metrics are measured, so a
     * quiet colour is judged on data: GETs of `paths` (@default the GET
     * smoke paths) at `ratePerSecond` (0: none). @default DEFAULT_LOAD
     */
    load: z
      .strictObject({
        ratePerSecond: z
          .number()
          .min(0)
          .max(20, 'must be at most 20: the load proves the colour answers, it is no load test'),
        paths: z.array(requestPath).min(1).optional(),
      })
      .prefault({ ...DEFAULT_LOAD }),
    /**
     * Before the switch: the new colour runs at full size and has not
     * restarted, every node is Ready, and the namespace quota leaves room
     * for the autoscaler to grow the new colour. @default DEFAULT_PRE
     */
    pre: measurement.prefault({ ...DEFAULT_PRE }),
    /** After the switch, on the new live colour. @default DEFAULT_POST */
    post: z
      .strictObject({
        /** Share of 5xx answers over each interval. */
        errorRatio: watched.extend({
          /** @default defaultErrorRatioThreshold(the availability objective): 1.44 % for 99.9 % */
          threshold: z
            .number()
            .gt(0, 'must be more than 0')
            .lt(1, 'must be below 1: a share of errors is never above 1, so the check could never fail')
            .optional(),
          /** One interval above this share fails at once. @default 0.5 */
          failFastThreshold: z
            .number()
            .gt(0, 'must be more than 0')
            .lt(1, 'must be below 1: a share of errors is never above 1, so it could never fire')
            .default(DEFAULT_POST.errorRatio.failFastThreshold),
          minRequests: minRequests.default(DEFAULT_MIN_REQUESTS),
        }),
        /** 95th percentile of the response time over each interval, in seconds. */
        p95LatencySeconds: metricCheck(z.number().gt(0, 'must be more than 0 seconds').max(600)).extend({
          minRequests: minRequests.default(DEFAULT_MIN_REQUESTS),
        }),
        /** Container restarts of the new colour in each interval. */
        restarts: metricCheck(z.number().int().min(0)),
      })
      .prefault(() => structuredClone(DEFAULT_POST)),
  })
  .superRefine((analysis, ctx) => {
    const names = new Set<string>();
    analysis.smoke.forEach((check, i) => {
      if (names.has(check.name)) ctx.addIssue({ code: 'custom', path: ['smoke', i, 'name'], message: 'is used twice' });
      names.add(check.name);
      if (check.maxLatencyMs > analysis.requestTimeoutSeconds * 1000) {
        ctx.addIssue({
          code: 'custom',
          path: ['smoke', i, 'maxLatencyMs'],
          message: `(${check.maxLatencyMs}) is longer than requestTimeoutSeconds (${analysis.requestTimeoutSeconds} s): the request is cut off first`,
        });
      }
    });
    const { errorRatio, p95LatencySeconds } = analysis.post;
    const measured: [string[], z.output<typeof measurement>][] = [
      [['pre'], analysis.pre],
      ...Object.entries(analysis.post).map(([name, m]): [string[], z.output<typeof measurement>] => [
        ['post', name],
        m,
      ]),
    ];
    for (const [path, m] of measured)
      measurementIssues(path, m, analysis.requestTimeoutSeconds).forEach((i) => ctx.addIssue(i));
    if (errorRatio.threshold !== undefined && errorRatio.failFastThreshold <= errorRatio.threshold) {
      ctx.addIssue({
        code: 'custom',
        path: ['post', 'errorRatio', 'failFastThreshold'],
        message: `(${errorRatio.failFastThreshold}) must be above threshold (${errorRatio.threshold}): it is the bound of a failure too severe to wait for`,
      });
    }
    for (const [name, check] of [
      ['errorRatio', errorRatio],
      ['p95LatencySeconds', p95LatencySeconds],
    ] as const) {
      const own = analysis.load.ratePerSecond * check.intervalSeconds;
      if (analysis.load.ratePerSecond > 0 && own < check.minRequests) {
        ctx.addIssue({
          code: 'custom',
          path: ['post', name, 'minRequests'],
          message: `(${check.minRequests}) is more than the analysis's own load sends in an interval (${analysis.load.ratePerSecond}/s × ${check.intervalSeconds} s = ${own}): a quiet colour would never be judged; raise load.ratePerSecond or lower minRequests`,
        });
      }
    }
  }, onlyWhenFieldsValid);

/** What cannot work in one measurement setting: limits that never fire, windows that hold no sample. */
function measurementIssues(path: string[], m: z.output<typeof measurement>, timeout: number): z.core.$ZodRawIssue[] {
  const issue = (field: string, message: string) => ({
    code: 'custom' as const,
    path: [...path, field],
    message,
    input: m,
  });
  const issues = [];
  if (m.failureLimit >= m.count) {
    issues.push(
      issue('failureLimit', `(${m.failureLimit}) must be below count (${m.count}): otherwise the check can never fail`),
    );
  }
  if (m.inconclusiveLimit >= m.count) {
    issues.push(
      issue(
        'inconclusiveLimit',
        `(${m.inconclusiveLimit}) must be below count (${m.count}): otherwise the check could pass on no data at all`,
      ),
    );
  }
  if (m.intervalSeconds * m.count > MAX_WINDOW_SECONDS) {
    issues.push(
      issue(
        'count',
        `× intervalSeconds is ${m.intervalSeconds * m.count} s: an analysis watches at most ${MAX_WINDOW_SECONDS} s (the apply waits for it)`,
      ),
    );
  }
  // After the switch each measurement is over its interval: shorter than two scrapes, it may hold no new sample.
  if (path[0] === 'post' && m.intervalSeconds < 2 * SCRAPE_INTERVAL_SECONDS) {
    issues.push(
      issue(
        'intervalSeconds',
        `(${m.intervalSeconds}) must be at least ${2 * SCRAPE_INTERVAL_SECONDS}: a measurement covers its interval, and a shorter one than two scrapes (${SCRAPE_INTERVAL_SECONDS} s each) may hold no new sample`,
      ),
    );
  }
  if (m.intervalSeconds < timeout) {
    issues.push(
      issue(
        'intervalSeconds',
        `(${m.intervalSeconds}) is shorter than requestTimeoutSeconds (${timeout}): a slow query would overlap the next measurement`,
      ),
    );
  }
  return issues;
}

/**
 * Restarts a container can make in `seconds`: the kubelet restarts a
 * crashing container at once, then after 10 s, doubling up to 300 s.
 */
export function maxRestarts(seconds: number): number {
  let restarts = 1;
  for (let elapsed = 10, delay = 10; elapsed <= seconds; delay = Math.min(2 * delay, 300), elapsed += delay) restarts++;
  return restarts;
}

/** What of a service's analysis its metrics can never cross: a p95 limit at or above the largest bucket, a restart limit above what pods can do. */
export function unreachableLimits(
  analysis: AnalysisSettings,
  buckets: readonly number[],
  pods: number,
): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const top = buckets[buckets.length - 1]!;
  const p95 = analysis.post.p95LatencySeconds.threshold;
  if (p95 >= top) {
    issues.push({
      path: ['analysis', 'post', 'p95LatencySeconds', 'threshold'],
      message: `(${p95} s) must be below the largest bucket of http_request_duration_seconds (${top} s): Prometheus reads any slower quantile as ${top} s, so the check could never fail: lower it, or export a larger bucket`,
    });
  }
  const { threshold, intervalSeconds } = analysis.post.restarts;
  const most = pods * maxRestarts(intervalSeconds);
  if (threshold >= most) {
    issues.push({
      path: ['analysis', 'post', 'restarts', 'threshold'],
      message: `(${threshold}) can never be exceeded: ${pods} pods restart at most ${most} times in ${intervalSeconds} s (the kubelet's back-off), so the check could never fail`,
    });
  }
  return issues;
}

/** The release analysis's part of a service's settings. */
export const serviceAnalysisFields = {
  /** The checks a new colour passes before traffic moves to it, and while it is watched after. @default analysisSchema's */
  analysis: analysisSchema.prefault({}),
};

/** What the service's analysis asks that its metrics and size can never show. */
export function serviceAnalysisIssues(svc: {
  readonly analysis: AnalysisSettings;
  readonly metrics?: { readonly latencyBuckets?: readonly number[] };
  readonly autoscaling?: { readonly maxReplicas: number };
  readonly replicas: number;
}): FieldIssue[] {
  const buckets = svc.metrics?.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS;
  return unreachableLimits(svc.analysis, buckets, svc.autoscaling?.maxReplicas ?? svc.replicas);
}

/** The longest an analysis may watch: the apply waits for it, and a rollback must come within minutes. */
export const MAX_WINDOW_SECONDS = 1800;

export type AnalysisInput = z.input<typeof analysisSchema>;
export type AnalysisSettings = z.output<typeof analysisSchema>;
