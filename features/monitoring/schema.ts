/**
 * What an environment file says about its monitoring stack: sizes, the log
 * shipper, where notifications and runbook links go, and alert thresholds.
 * Each default is the Monitoring construct's (or the alert rules').
 */
import { z } from 'zod';
import type { FieldIssue } from '../../core/errors';
import { DEFAULT_LATENCY_BUCKETS, DEFAULT_SLO, sloIssues } from '../../core/slo';
import { awsSecretId, bucketName, hostname, httpPath, memory, ratio } from '../fields';

export const monitoringSchema = z.strictObject({
  enabled: z.boolean().default(true),
  prometheus: z
    .strictObject({
      /** @default Monitoring's */
      retention: z
        .string()
        .regex(/^\d+(h|d|w|y)$/, 'must be a Prometheus duration such as "15d"')
        .optional(),
      /** @default Monitoring's */
      storage: memory.optional(),
    })
    .optional(),
  loki: z
    .strictObject({
      /** @default Monitoring's */
      storage: memory.optional(),
      /** S3 bucket for Loki chunks; when unset Loki keeps them on its volume. */
      s3BucketName: bucketName.optional(),
    })
    .optional(),
  /** @default Monitoring's */
  logShipper: z.enum(['alloy', 'promtail']).optional(),
  grafanaHost: hostname.optional(),
  /** Secrets Manager ids for the Grafana admin password and the Slack webhook. */
  grafanaAdminSecretId: awsSecretId,
  slackWebhookSecretId: awsSecretId,
  slackChannel: z.string().regex(/^#[-_a-z0-9]+$/, 'must be a Slack channel such as "#alerts"'),
  /** Alert thresholds for this environment's services. @default the alert rules' (DEFAULT_THRESHOLDS) */
  alerts: z
    .strictObject({
      downMinutes: z.number().int().min(1).max(60).optional(),
      cpuRatio: ratio.optional(),
      memoryLimitRatio: ratio.optional(),
      slowQuerySeconds: z.number().positive().max(600).optional(),
      diskFreeRatio: ratio.optional(),
      p95LatencySeconds: z.number().positive().max(600).optional(),
    })
    .optional(),
  /** Where alert runbook links point (docs/runbooks/README.md). */
  runbookBaseUrl: z
    .string()
    .regex(/^https:\/\/\S+$/, 'must be an https URL')
    .default('https://github.com/catbird/mls-platform-infra/blob/main/docs/runbooks/README.md'),
});

export type MonitoringSettings = z.output<typeof monitoringSchema>;

/** A share of requests that must be good: above 0, below 1 (at 1 the error budget is zero). */
const objective = z
  .number()
  .gt(0, 'must be more than 0')
  .lt(1, 'must be below 1 (an objective of 100 % or more leaves no error budget); write 99.9 % as 0.999');

const slo = z.strictObject({
  /** The window the objectives hold over, in days. @default DEFAULT_SLO's ('30d') */
  window: z
    .string()
    .regex(/^([1-9]|[1-8][0-9]|90)d$/, 'must be a number of days from 1d to 90d, such as "30d"')
    .optional(),
  /** Share of requests answered without a 5xx. @default DEFAULT_SLO's (0.999) */
  availability: z.strictObject({ objective }).optional(),
  /** Share of requests answered within `thresholdSeconds`. @default DEFAULT_SLO's (0.95 within 2 s) */
  latency: z
    .strictObject({ objective, thresholdSeconds: z.number().positive('must be more than 0 seconds') })
    .optional(),
});

/** Monitoring's part of a service's settings: how it exposes its metrics, and its objectives. */
export const serviceMonitoringFields = {
  /** How the service exposes its metrics. @default Monitoring's */
  metrics: z
    .strictObject({
      /** Path of the Prometheus endpoint on the `http` port. */
      path: httpPath.optional(),
      /** Label holding the HTTP status on `http_requests_total`. */
      statusLabel: z
        .string()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name')
        .optional(),
      /**
       * The `le` boundaries (seconds) of `http_request_duration_seconds`
       * the service exports. A latency objective's threshold must be one.
       * @default DEFAULT_LATENCY_BUCKETS
       */
      latencyBuckets: z
        .array(z.number().positive('must be more than 0 seconds'))
        .min(1, 'must list at least one bucket')
        .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'must be in ascending order, each once')
        .optional(),
    })
    .optional(),
  /** The service's objectives, their SLIs and burn-rate alerts. @default DEFAULT_SLO */
  slo: slo.optional(),
};

/** A service's metrics and objectives, as the monitoring stack reads them. */
export type ServiceMonitoring = z.output<z.ZodObject<typeof serviceMonitoringFields>>;

/** What is wrong between a service's metrics and its objectives. */
export function serviceMonitoringIssues(svc: ServiceMonitoring): FieldIssue[] {
  // The share under a threshold is read from the bucket at that boundary: there must be one.
  const threshold = (svc.slo?.latency ?? DEFAULT_SLO.latency).thresholdSeconds;
  const buckets = svc.metrics?.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS;
  const issues: FieldIssue[] = [];
  if (!buckets.includes(threshold)) {
    issues.push({
      path: svc.slo?.latency ? ['slo', 'latency', 'thresholdSeconds'] : ['metrics', 'latencyBuckets'],
      message: `${threshold} s is not a bucket boundary of http_request_duration_seconds (${svc.metrics?.latencyBuckets ? 'metrics.latencyBuckets' : 'the default buckets'}: ${buckets.join(', ')}): the share of requests under it cannot be read`,
    });
  }
  return [...issues, ...sloIssues(svc.slo)];
}
