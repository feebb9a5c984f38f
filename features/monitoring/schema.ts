/**
 * What an environment file says about its monitoring stack: sizes, the log
 * shipper, where notifications and runbook links go, and alert thresholds.
 * Each default is the Monitoring construct's (or the alert rules').
 */
import { z } from 'zod';
import { awsSecretId, bucketName, hostname, memory, ratio } from '../fields';

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
  /** Where alert runbook links point (the README's Runbook section). */
  runbookBaseUrl: z
    .string()
    .regex(/^https:\/\/\S+$/, 'must be an https URL')
    .default('https://github.com/catbird/mls-platform-infra/blob/main/README.md'),
});

export type MonitoringSettings = z.output<typeof monitoringSchema>;
