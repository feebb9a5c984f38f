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

/** How a metric is measured: `count` times, `intervalSeconds` apart; more than `failureLimit` failed measurements fail the check. */
const measurement = z.strictObject({
  intervalSeconds: z.number().int().min(1).max(600),
  count: z.number().int().min(1).max(60),
  failureLimit: z.number().int().min(0),
});

const metricCheck = (threshold: z.ZodNumber) => measurement.extend({ threshold });

/**
 * `/health` answers 200; an XRPC method the seeds list answers 401 without
 * a token (it is routed to the server, which refuses an unauthenticated
 * call: not a 404 or a 5xx).
 */
export const DEFAULT_SMOKE_CHECKS = [
  { name: 'health', method: 'GET', path: '/health', status: 200, maxLatencyMs: 2000 },
  {
    name: 'get_key_packages',
    method: 'GET',
    path: '/xrpc/blue.catbird.mls.getKeyPackages',
    status: 401,
    maxLatencyMs: 2000,
  },
] as const;

/** Pre-flight: three measurements ten seconds apart, none may fail. */
export const DEFAULT_PRE = { intervalSeconds: 10, count: 3, failureLimit: 0 } as const;

/** Post-promotion: one measurement a minute for 5 minutes; the check fails when all five do ("for 5 minutes"). */
const WATCH = { intervalSeconds: 60, count: 5, failureLimit: 4 } as const;
export const DEFAULT_POST = {
  errorRatio: { threshold: 0.1, ...WATCH },
  p95LatencySeconds: { threshold: 5, ...WATCH },
  /** Any restart of the new colour while it is watched fails it. */
  restarts: { threshold: 0, intervalSeconds: 60, count: 5, failureLimit: 0 },
} as const;

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
     * Before the switch: the new colour runs at full size and has not
     * restarted, every node is Ready, and the namespace quota leaves room
     * for the autoscaler to grow the new colour. @default DEFAULT_PRE
     */
    pre: measurement.prefault({ ...DEFAULT_PRE }),
    /** After the switch, on the new live colour. @default DEFAULT_POST */
    post: z
      .strictObject({
        /** Share of 5xx answers (the availability SLI over 5 minutes). */
        errorRatio: metricCheck(z.number().gt(0, 'must be more than 0').max(1, 'must be at most 1 (a share)')),
        /** 95th percentile of the response time over 5 minutes, in seconds. */
        p95LatencySeconds: metricCheck(z.number().gt(0, 'must be more than 0 seconds').max(600)),
        /** Container restarts of the new colour in the last 5 minutes. */
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
    const measured: [string[], z.output<typeof measurement>][] = [
      [['pre'], analysis.pre],
      ...Object.entries(analysis.post).map(([name, m]): [string[], z.output<typeof measurement>] => [
        ['post', name],
        m,
      ]),
    ];
    for (const [path, m] of measured) {
      if (m.failureLimit >= m.count) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'failureLimit'],
          message: `(${m.failureLimit}) must be below count (${m.count}): otherwise the check can never fail`,
        });
      }
      if (m.intervalSeconds * m.count > MAX_WINDOW_SECONDS) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'count'],
          message: `× intervalSeconds is ${m.intervalSeconds * m.count} s: an analysis watches at most ${MAX_WINDOW_SECONDS} s (the apply waits for it)`,
        });
      }
    }
  }, onlyWhenFieldsValid);

/** The longest an analysis may watch: the apply waits for it, and a rollback must come within minutes. */
export const MAX_WINDOW_SECONDS = 1800;

export type AnalysisInput = z.input<typeof analysisSchema>;
export type AnalysisSettings = z.output<typeof analysisSchema>;
