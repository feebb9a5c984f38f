import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketObjectLockConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { PropsError } from '../../core/errors';
import { protectedLifecycle } from '../../core/protection';
import type { IGrantable } from '../../constructs/grants';
import { SecureBucket, housekeepingRules, logAccess } from '../../constructs/secure-bucket';
import { accessLogBucketName } from '../../core/names';

export interface BackupBucketProps {
  /** Bucket name; must be globally unique. */
  readonly bucketName: string;
  /** KMS alias, without the `alias/` prefix. @default `<bucketName>` */
  readonly keyAlias?: string;
  /** Days a database dump is kept. @default 30 */
  readonly retentionDays?: number;
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
/** Days dumps are kept and locked; a locked dump could not expire when its retention ends. */
function retention(props: BackupBucketProps): { retentionDays: number; lockDays: number } {
  const retentionDays = props.retentionDays ?? 30;
  const lockDays = props.objectLockDays ?? 0;
  if (lockDays > retentionDays) {
    throw new PropsError(
      `BackupBucket ${props.bucketName}`,
      'objectLockDays',
      `(${lockDays}) must not exceed retentionDays (${retentionDays})`,
    );
  }
  return { retentionDays, lockDays };
}

export class BackupBucket extends Construct {
  /** Key prefix of the database dumps, which expire after `retentionDays`. */
  public readonly dumpPrefix = 'database/';
  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly kmsKeyArn: string;
  /** The bucket resource, for dependencies. */
  public readonly bucket: S3Bucket;
  /** Bucket that receives server access logs (for other buckets too), when `accessLogging` is on. */
  public readonly accessLogBucket?: SecureBucket;
  private readonly main: SecureBucket;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    const { retentionDays, lockDays } = retention(props);
    const protect = props.protect ?? true;
    const key = new KmsKey(this, 'key', {
      description: `Encrypts backups in s3://${props.bucketName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // No explicit policy: AWS's default key policy gives the account
      // control and IAM policies (scoped to this key's ARN) grant use.
      lifecycle: protectedLifecycle(protect),
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.keyAlias ?? props.bucketName}`, targetKeyId: key.keyId });

    this.main = new SecureBucket(this, 'bucket', {
      bucketName: props.bucketName,
      kmsKeyArn: key.arn,
      objectLockEnabled: lockDays > 0,
      protect,
    });
    this.bucket = this.main.bucket;
    const bucketId = this.main.bucketId;

    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucketId,
      rule: [
        {
          id: 'expire-database-dumps',
          status: 'Enabled',
          filter: [{ prefix: this.dumpPrefix }],
          expiration: [{ days: retentionDays }],
        },
        ...housekeepingRules(),
      ],
    });

    if (lockDays > 0) {
      new S3BucketObjectLockConfigurationA(this, 'object-lock', {
        bucket: bucketId,
        rule: { defaultRetention: { mode: 'GOVERNANCE', days: lockDays } },
      });
    }

    if (props.accessLogging) this.accessLogBucket = this.logAccessTo(accessLogBucketName(props.bucketName), protect);

    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.kmsKeyArn = key.arn;
    for (const [oid, value, description] of [
      ['bucket-name', this.bucketName, 'Backup bucket name'],
      ['bucket-arn', this.bucketArn, 'Backup bucket ARN'],
      ['kms-key-arn', this.kmsKeyArn, 'KMS key that encrypts the backups'],
    ]) {
      new TerraformOutput(this, oid!, { value, description });
    }
  }

  /**
   * A bucket for S3 server access logs, this one's and other buckets' of the
   * account. Server access logs can only be delivered with SSE-S3, not SSE-KMS.
   */
  private logAccessTo(bucketName: string, protect: boolean): SecureBucket {
    const account = new DataAwsCallerIdentity(this, 'account');
    const logs = new SecureBucket(this, 'log-bucket', {
      bucketName,
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
        ...housekeepingRules(),
      ],
    });
    logAccess(this, 'logging', { from: this.main, to: logs, prefix: 'access/backups/' });
    return logs;
  }

  /** Lets `grantee` put dumps under `<dumpPrefix><folder>/`, and nothing else. */
  public grantPutDumps(grantee: IGrantable, folder: string): string {
    const prefix = `${this.dumpPrefix}${folder}/`;
    this.main.grantPut(grantee, prefix);
    return prefix;
  }
}
