import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { IrsaRole } from './irsa-role';
import { SecureBucket, housekeepingRules, logAccess } from './secure-bucket';
import { protectedLifecycle } from './protection';

export interface LokiStorageProps {
  readonly bucketName: string;
  /** Environment name, part of the IAM role name. */
  readonly environment: string;
  readonly oidcProviderArn: string;
  /** Namespace and service account of Loki. @default service account 'loki' */
  readonly namespace: string;
  readonly serviceAccount?: string;
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
      rule: housekeepingRules(7),
    });
    const serviceAccount = props.serviceAccount ?? 'loki';
    const role = new IrsaRole(this, 'role', {
      roleName: `${props.environment}-loki`,
      description: `Loki's access to s3://${props.bucketName}`,
      oidcProviderArn: props.oidcProviderArn,
      namespace: props.namespace,
      serviceAccount,
      statements: [
        { sid: 'ListBucket', effect: 'Allow', actions: ['s3:ListBucket'], resources: [bucket.bucketArn] },
        {
          sid: 'ReadWriteChunks',
          effect: 'Allow',
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          resources: [`${bucket.bucketArn}/*`],
        },
        { sid: 'UseKey', effect: 'Allow', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.arn] },
      ],
    });
    this.bucketName = bucket.bucketName;
    this.roleArn = role.roleArn;
    this.grants = [role.policy];
  }
}
