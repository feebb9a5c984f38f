import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketObjectLockConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { PropsError } from './props-error';
import { SecureBucket, housekeepingRules, logAccess } from './secure-bucket';
import { protectedLifecycle } from './protection';

export interface BackupBucketProps {
  /** Bucket name; must be globally unique. */
  readonly bucketName: string;
  /** KMS alias, without the `alias/` prefix. @default `<bucketName>` */
  readonly keyAlias?: string;
  /** Prefix that holds database dumps. @default 'database/' */
  readonly databasePrefix?: string;
  /** Days a database dump is kept (the environment's `backups.retentionDays`, the seeds' 30). */
  readonly retentionDays: number;
  /** Days a replaced or deleted version is kept. @default 7 */
  readonly noncurrentVersionDays?: number;
  /**
   * Object Lock in governance mode for this many days; 0 disables it.
   * Object Lock can only be turned on when the bucket is created.
   * @default 0
   */
  readonly objectLockDays?: number;
  /**
   * Write S3 server access logs to a separate `<bucketName>-logs` bucket,
   * which other buckets of the account may log to as well. @default false
   */
  readonly accessLogging?: boolean;
  /** Refuse destroy of the bucket and key through Terraform (`prevent_destroy`). @default true */
  readonly protect?: boolean;
}

/**
 * An S3 bucket for backups: versioned, SSE-KMS with a customer-managed key
 * (rotation on, S3 Bucket Keys), every public-access block on, ACLs
 * disabled, TLS 1.2+ only, and a lifecycle that expires old dumps.
 */
export class BackupBucket extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly kmsKeyArn: string;
  /** The bucket resource, for dependencies. */
  public readonly bucket: S3Bucket;
  /** Bucket that receives server access logs (for other buckets too), when `accessLogging` is on. */
  public readonly accessLogBucket?: SecureBucket;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    const retentionDays = props.retentionDays;
    const noncurrentDays = props.noncurrentVersionDays ?? 7;
    const lockDays = props.objectLockDays ?? 0;
    const prefix = props.databasePrefix ?? 'database/';
    const protect = props.protect ?? true;
    if (lockDays > retentionDays) {
      // A locked dump could not expire when its retention ends.
      throw new PropsError(
        `BackupBucket ${props.bucketName}`,
        'objectLockDays',
        `(${lockDays}) must not exceed retentionDays (${retentionDays})`,
      );
    }

    const key = new KmsKey(this, 'key', {
      description: `Encrypts backups in s3://${props.bucketName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // No explicit policy: AWS's default key policy gives the account
      // control and IAM policies (scoped to this key's ARN) grant use.
      lifecycle: protectedLifecycle(protect),
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.keyAlias ?? props.bucketName}`, targetKeyId: key.keyId });

    const main = new SecureBucket(this, 'bucket', {
      bucketName: props.bucketName,
      kmsKeyArn: key.arn,
      objectLockEnabled: lockDays > 0,
      protect,
    });
    this.bucket = main.bucket;
    const bucketId = main.bucketId;

    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucketId,
      rule: [
        {
          id: 'expire-database-dumps',
          status: 'Enabled',
          filter: [{ prefix }],
          expiration: [{ days: retentionDays }],
        },
        ...housekeepingRules(noncurrentDays),
      ],
    });

    if (lockDays > 0) {
      new S3BucketObjectLockConfigurationA(this, 'object-lock', {
        bucket: bucketId,
        rule: { defaultRetention: { mode: 'GOVERNANCE', days: lockDays } },
      });
    }

    if (props.accessLogging) {
      // Server access logs can only be delivered with SSE-S3, not SSE-KMS.
      const account = new DataAwsCallerIdentity(this, 'account');
      const logs = new SecureBucket(this, 'log-bucket', {
        bucketName: `${props.bucketName}-logs`,
        protect,
        extraStatements: (arn) => [
          {
            sid: 'AllowServerAccessLogDelivery',
            effect: 'Allow',
            principals: [{ type: 'Service', identifiers: ['logging.s3.amazonaws.com'] }],
            actions: ['s3:PutObject'],
            resources: [`${arn}/*`],
            condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [account.accountId] }],
          },
        ],
      });
      new S3BucketLifecycleConfiguration(this, 'log-lifecycle', {
        bucket: logs.bucketId,
        rule: [
          { id: 'expire-access-logs', status: 'Enabled', filter: [{}], expiration: [{ days: 90 }] },
          ...housekeepingRules(noncurrentDays),
        ],
      });
      logAccess(this, 'logging', { from: main, to: logs, prefix: 'access/backups/' });
      this.accessLogBucket = logs;
    }

    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.kmsKeyArn = key.arn;
    new TerraformOutput(this, 'bucket-name', { value: this.bucketName, description: 'Backup bucket name' });
    new TerraformOutput(this, 'bucket-arn', { value: this.bucketArn, description: 'Backup bucket ARN' });
    new TerraformOutput(this, 'kms-key-arn', {
      value: this.kmsKeyArn,
      description: 'KMS key that encrypts the backups',
    });
  }
}
