import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { protectedLifecycle } from '../../core/protection';
import { IrsaRole } from '../../constructs/irsa-role';
import { SecureBucket, housekeepingRules, logAccess } from '../../constructs/secure-bucket';

export interface LokiStorageProps {
  readonly bucketName: string;
  /** Environment name, part of the IAM role name. */
  readonly environment: string;
  readonly oidcProviderArn: string;
  /** Namespace of Loki (its service account is the chart's, `loki`). */
  readonly namespace: string;
  /** Refuse destroy through Terraform. @default true */
  readonly protect?: boolean;
  /** Bucket for S3 server access logs. @default no access logging */
  readonly accessLogBucket?: SecureBucket;
}

/**
 * An S3 bucket for Loki's chunks and index, and the role Loki's service
 * account assumes to use it. Loki's compactor applies log retention; the
 * bucket lifecycle only cleans up what versioning and uploads leave behind.
 */
export class LokiStorage extends Construct {
  public readonly bucketName: string;
  public readonly roleArn: string;
  /** What Loki must not start before: the role's permissions. */
  public readonly grants: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: LokiStorageProps) {
    super(scope, id);
    const key = new KmsKey(this, 'key', {
      description: `Encrypts Loki's data in s3://${props.bucketName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: protectedLifecycle(props.protect ?? true),
    });
    const bucket = new SecureBucket(this, 'bucket', {
      bucketName: props.bucketName,
      kmsKeyArn: key.arn,
      protect: props.protect,
    });
    if (props.accessLogBucket) {
      logAccess(this, 'logging', { from: bucket, to: props.accessLogBucket, prefix: 'access/loki/' });
    }
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.bucketId,
      rule: housekeepingRules(),
    });
    const role = new IrsaRole(this, 'role', {
      roleName: `${props.environment}-loki`,
      description: `Loki's access to s3://${props.bucketName}`,
      oidcProviderArn: props.oidcProviderArn,
      namespace: props.namespace,
      serviceAccount: 'loki',
    });
    bucket.grantReadWrite(role);
    this.bucketName = bucket.bucketName;
    this.roleArn = role.roleArn;
    this.grants = role.grants;
  }
}
