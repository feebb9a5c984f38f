/**
 * The environment's data protection: the backup bucket and the nightly
 * database dump into it. (The pre-deploy snapshots are the release's.)
 */
import { Construct } from 'constructs';
import { fromFields, propsUnder } from '../../core/errors';
import { BackupBucket } from './backup-bucket';
import { DatabaseBackupJob } from './database-backup-job';
import type { BackupsSettings } from './schema';

interface DataSettings {
  readonly name: string;
  readonly protect: boolean;
  readonly kubernetes: { readonly oidcProviderArn: string };
  readonly database: { readonly cidrs: readonly string[]; readonly port: number };
  readonly backups: BackupsSettings;
}

export function addBackups(scope: Construct, env: DataSettings, namespace: string): BackupBucket {
  const b = env.backups;
  const bucket = fromFields(
    propsUnder({ objectLockDays: ['backups', 'objectLockDays'], retentionDays: ['backups', 'retentionDays'] }),
    () =>
      new BackupBucket(scope, 'backup-bucket', {
        bucketName: b.bucketName,
        keyAlias: `${env.name}-backups`,
        retentionDays: b.retentionDays,
        objectLockDays: b.objectLockDays,
        accessLogging: b.accessLogging,
        protect: env.protect,
      }),
  );
  new DatabaseBackupJob(scope, 'database-backup', {
    namespace,
    environment: env.name,
    schedule: b.schedule,
    bucket,
    databaseUrl: { secretName: b.databaseUrl.secret, key: b.databaseUrl.key },
    database: { cidrs: env.database.cidrs, port: env.database.port },
    oidcProviderArn: env.kubernetes.oidcProviderArn,
  });
  return bucket;
}
