/**
 * What an environment file says about its data: the database it protects,
 * the cache the services reach, and the backups.
 */
import { z } from 'zod';
import { cronProblem } from '../../core/cron';
import { bucketName, cidr, dnsLabel, port, secretKey } from '../fields';

export const databaseSchema = z.strictObject({
  /** RDS instance identifier (the database being protected). */
  instanceIdentifier: dnsLabel(63),
  port: port.default(5432),
  /** CIDRs the pods may reach the database in. */
  cidrs: z.array(cidr).min(1),
  /** Pre-deploy snapshots kept (the newest releases). */
  snapshotsToKeep: z.number().int().min(0).max(100),
});

export const redisSchema = z.strictObject({
  port: port.default(6379),
  cidrs: z.array(cidr).min(1),
});

export const backupsSchema = z.strictObject({
  bucketName,
  /** Days a database dump is kept in S3. @default BackupBucket's (30) */
  retentionDays: z.number().int().min(1).max(3650).optional(),
  /** Cron schedule of the dump job (cluster time zone). @default DatabaseBackupJob's (02:00 daily) */
  schedule: z
    .string()
    .superRefine((schedule, ctx) => {
      const problem = cronProblem(schedule);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (a cron schedule such as "0 2 * * *")` });
    })
    .optional(),
  /** Object Lock in governance mode for this many days; 0 disables it. @default BackupBucket's (0) */
  objectLockDays: z.number().int().min(0).max(3650).optional(),
  /** The Kubernetes Secret and key holding the database URL the dump job uses. */
  databaseUrl: z
    .strictObject({ secret: dnsLabel(253), key: secretKey })
    .default({ secret: 'mls-secrets', key: 'database-url' }),
  /** S3 server access logs to a separate `<bucketName>-logs` bucket. @default BackupBucket's (off) */
  accessLogging: z.boolean().optional(),
});

export type BackupsSettings = z.output<typeof backupsSchema>;
