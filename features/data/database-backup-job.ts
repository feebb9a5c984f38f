import { CronJobV1, CronJobV1SpecJobTemplateSpecTemplateSpec } from '@cdktf/provider-kubernetes/lib/cron-job-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { Construct } from 'constructs';
import { appSelector, managedLabels } from '../../core/labels';
import { SERVICE_UID } from '../../core/names';
import { IrsaRole } from '../../constructs/irsa-role';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../constructs/pod-security';
import type { BackupBucket } from './backup-bucket';

export interface DatabaseBackupJobProps {
  readonly namespace: string;
  /** Environment name: the dumps' folder and part of the IAM role name. */
  readonly environment: string;
  /** Cron schedule. @default '0 2 * * *' (daily at 02:00, before the day's traffic) */
  readonly schedule?: string;
  /** Where the dumps go; the job may only put objects under its folder. */
  readonly bucket: BackupBucket;
  /** The Secret and key holding the database URL to dump. */
  readonly databaseUrl: { readonly secretName: string; readonly key: string };
  /** Where the job may connect to the database. */
  readonly database: { readonly cidrs: readonly string[]; readonly port: number };
  /** IAM OIDC provider ARN of the cluster (IAM Roles for Service Accounts). */
  readonly oidcProviderArn: string;
}

/** Object names: the CronJob, its ServiceAccount, the role suffix and the `app` label. */
const NAME = 'db-backup';
/** pg_dump and gzip. */
const PG_DUMP_IMAGE = 'postgres:16.4-alpine';
/** The AWS CLI, for the upload with the job's role. */
const AWS_CLI_IMAGE = 'amazon/aws-cli:2.22.0';

// No "${" in these scripts: Terraform would read it as interpolation.
const DUMP = 'set -eu -o pipefail; pg_dump --no-owner --no-privileges "$DATABASE_URL" | gzip -9 > /backup/dump.sql.gz';
const UPLOAD =
  'set -eu; key="$KEY_PREFIX$(date -u +%Y%m%dT%H%M%SZ).sql.gz"; ' +
  'aws s3 cp /backup/dump.sql.gz "s3://$BUCKET/$key" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ARN" --only-show-errors; ' +
  'echo "uploaded s3://$BUCKET/$key"';

/**
 * A nightly pg_dump to `s3://<bucket>/database/<env>/<timestamp>.sql.gz`: an
 * init container dumps to a scratch volume, then the AWS CLI uploads it with
 * the role this construct creates (IRSA), which may only put objects under
 * that prefix with that key.
 */
export class DatabaseBackupJob extends Construct {
  public readonly roleArn: string;
  /** S3 key prefix the job writes under. */
  public readonly keyPrefix: string;

  constructor(scope: Construct, id: string, props: DatabaseBackupJobProps) {
    super(scope, id);
    const labels = { ...managedLabels(), ...appSelector(NAME), 'app.kubernetes.io/name': NAME };
    const role = new IrsaRole(this, 'role', {
      roleName: `${props.environment}-${NAME}`,
      description: `Uploads ${props.environment} database dumps to s3://${props.bucket.bucketName}/${props.bucket.dumpPrefix}${props.environment}/`,
      oidcProviderArn: props.oidcProviderArn,
      namespace: props.namespace,
      serviceAccount: NAME,
    });
    this.keyPrefix = props.bucket.grantPutDumps(role, props.environment);
    this.roleArn = role.roleArn;

    const account = new ServiceAccountV1(this, 'service-account', {
      dependsOn: role.grants,
      metadata: {
        name: NAME,
        namespace: props.namespace,
        labels,
        annotations: { 'eks.amazonaws.com/role-arn': role.roleArn },
      },
      automountServiceAccountToken: false,
    });

    new CronJobV1(this, 'cron-job', {
      metadata: { name: NAME, namespace: props.namespace, labels },
      spec: {
        schedule: props.schedule ?? '0 2 * * *',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 3600,
            ttlSecondsAfterFinished: '86400',
            template: { metadata: { labels }, spec: podSpec(props, account.metadata.name, this.keyPrefix) },
          },
        },
      },
    });
    egressPolicy(this, props);
  }
}

/** The dump (init container) and the upload, under the restricted profile. */
function podSpec(
  props: DatabaseBackupJobProps,
  serviceAccount: string,
  keyPrefix: string,
): CronJobV1SpecJobTemplateSpecTemplateSpec {
  const security = restrictedContainerSecurityContext();
  const { secretName, key } = props.databaseUrl;
  return {
    serviceAccountName: serviceAccount,
    restartPolicy: 'Never',
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(SERVICE_UID),
    initContainer: [
      {
        name: 'pg-dump',
        image: PG_DUMP_IMAGE,
        imagePullPolicy: 'Always',
        command: ['/bin/sh', '-c', DUMP],
        env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: secretName, key } } }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        securityContext: security,
        volumeMount: [{ name: 'backup', mountPath: '/backup' }],
      },
    ],
    container: [
      {
        name: 'upload',
        image: AWS_CLI_IMAGE,
        imagePullPolicy: 'Always',
        command: ['/bin/sh', '-c', UPLOAD],
        env: [
          { name: 'BUCKET', value: props.bucket.bucketName },
          { name: 'KEY_PREFIX', value: keyPrefix },
          { name: 'KMS_KEY_ARN', value: props.bucket.kmsKeyArn },
          // The root filesystem is read-only; the CLI writes its cache under HOME.
          { name: 'HOME', value: '/tmp' },
        ],
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
        securityContext: security,
        volumeMount: [
          { name: 'backup', mountPath: '/backup', readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volume: [
      { name: 'backup', emptyDir: { sizeLimit: '10Gi' } },
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    ],
  };
}

/**
 * The namespace denies all by default: the job reaches the database and AWS
 * (S3, STS for the role) over HTTPS, nothing else.
 */
function egressPolicy(scope: Construct, props: DatabaseBackupJobProps): void {
  new NetworkPolicyV1(scope, 'egress', {
    metadata: { name: `allow-${NAME}-egress`, namespace: props.namespace, labels: managedLabels() },
    spec: {
      podSelector: { matchLabels: appSelector(NAME) },
      policyTypes: ['Egress'],
      egress: [
        {
          to: props.database.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
          ports: [{ port: String(props.database.port), protocol: 'TCP' }],
        },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: '443', protocol: 'TCP' }] },
      ],
    },
  });
}
