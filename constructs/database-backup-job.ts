import { CronJobV1 } from '@cdktf/provider-kubernetes/lib/cron-job-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { Construct } from 'constructs';
import { appSelector, managedLabels } from './labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { IrsaRole } from './irsa-role';

export interface DatabaseBackupJobProps {
  /** Name of the CronJob, its ServiceAccount and IAM role suffix. @default 'db-backup' */
  readonly name?: string;
  readonly namespace: string;
  /** Environment name: part of the S3 key and the IAM role name. */
  readonly environment: string;
  /** Cron schedule. @default '0 2 * * *' (daily at 02:00, the seeds' time) */
  readonly schedule?: string;
  readonly bucketName: string;
  readonly bucketArn: string;
  /** KMS key that encrypts the bucket. */
  readonly kmsKeyArn: string;
  /** The Secret and key holding the database URL to dump. */
  readonly databaseUrl: { readonly secretName: string; readonly key: string };
  /** Where the job may connect to the database. */
  readonly database: { readonly cidrs: readonly string[]; readonly port: number };
  /** IAM OIDC provider ARN of the cluster (IAM Roles for Service Accounts). */
  readonly oidcProviderArn: string;
  /** Image with pg_dump and gzip. @default 'postgres:16.4-alpine' */
  readonly pgDumpImage?: string;
  /** Image with the AWS CLI. @default 'amazon/aws-cli:2.22.0' */
  readonly awsCliImage?: string;
}

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
    const name = props.name ?? 'db-backup';
    this.keyPrefix = `database/${props.environment}/`;
    const labels = { ...managedLabels(), ...appSelector(name), 'app.kubernetes.io/name': name };
    const role = new IrsaRole(this, 'role', {
      roleName: `${props.environment}-${name}`,
      description: `Uploads ${props.environment} database dumps to s3://${props.bucketName}/${this.keyPrefix}`,
      oidcProviderArn: props.oidcProviderArn,
      namespace: props.namespace,
      serviceAccount: name,
      statements: [
        {
          sid: 'PutDumps',
          effect: 'Allow',
          actions: ['s3:PutObject'],
          resources: [`${props.bucketArn}/${this.keyPrefix}*`],
        },
        {
          // SSE-KMS: a put needs a data key; a multipart upload (dumps over
          // the CLI's 8 MB threshold) also needs Decrypt to complete.
          sid: 'EncryptDumps',
          effect: 'Allow',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.kmsKeyArn],
        },
      ],
    });
    this.roleArn = role.roleArn;

    const account = new ServiceAccountV1(this, 'service-account', {
      dependsOn: [role.policy],
      metadata: {
        name,
        namespace: props.namespace,
        labels,
        annotations: { 'eks.amazonaws.com/role-arn': role.roleArn },
      },
      automountServiceAccountToken: false,
    });

    const security = restrictedContainerSecurityContext();
    const dump =
      'set -eu -o pipefail; pg_dump --no-owner --no-privileges "$DATABASE_URL" | gzip -9 > /backup/dump.sql.gz';
    // No "${" in these scripts: Terraform would read it as interpolation.
    const upload =
      'set -eu; key="$KEY_PREFIX$(date -u +%Y%m%dT%H%M%SZ).sql.gz"; ' +
      'aws s3 cp /backup/dump.sql.gz "s3://$BUCKET/$key" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ARN" --only-show-errors; ' +
      'echo "uploaded s3://$BUCKET/$key"';
    new CronJobV1(this, 'cron-job', {
      metadata: { name, namespace: props.namespace, labels },
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
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: account.metadata.name,
                restartPolicy: 'Never',
                enableServiceLinks: false,
                securityContext: restrictedPodSecurityContext(10001),
                initContainer: [
                  {
                    name: 'pg-dump',
                    image: props.pgDumpImage ?? 'postgres:16.4-alpine',
                    imagePullPolicy: 'Always',
                    command: ['/bin/sh', '-c', dump],
                    env: [
                      {
                        name: 'DATABASE_URL',
                        valueFrom: { secretKeyRef: { name: props.databaseUrl.secretName, key: props.databaseUrl.key } },
                      },
                    ],
                    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
                    securityContext: security,
                    volumeMount: [{ name: 'backup', mountPath: '/backup' }],
                  },
                ],
                container: [
                  {
                    name: 'upload',
                    image: props.awsCliImage ?? 'amazon/aws-cli:2.22.0',
                    imagePullPolicy: 'Always',
                    command: ['/bin/sh', '-c', upload],
                    env: [
                      { name: 'BUCKET', value: props.bucketName },
                      { name: 'KEY_PREFIX', value: this.keyPrefix },
                      { name: 'KMS_KEY_ARN', value: props.kmsKeyArn },
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
              },
            },
          },
        },
      },
    });

    // The namespace denies all by default: the job reaches the database and
    // AWS (S3, STS for the role) over HTTPS, nothing else.
    new NetworkPolicyV1(this, 'egress', {
      metadata: { name: `allow-${name}-egress`, namespace: props.namespace, labels: managedLabels() },
      spec: {
        podSelector: { matchLabels: appSelector(name) },
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
}
