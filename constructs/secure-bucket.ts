import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { protectedLifecycle } from '../core/protection';
import type { IGrantable } from './grants';

export interface SecureBucketProps {
  readonly bucketName: string;
  /** Encrypt with this KMS key (and S3 Bucket Keys). @default SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
  /** Object Lock can only be enabled when the bucket is created. @default false */
  readonly objectLockEnabled?: boolean;
  /** Refuse destroy through Terraform (`prevent_destroy`). @default true */
  readonly protect?: boolean;
  /** Extra bucket policy statements (beside the TLS-only denies). @default none */
  readonly extraStatements?: (bucketArn: string) => DataAwsIamPolicyDocumentStatement[];
}

/**
 * An S3 bucket with the baseline every bucket here gets: versioning,
 * default encryption, all four public-access blocks, ACLs disabled
 * (BucketOwnerEnforced) and a policy that denies requests without TLS or
 * below TLS 1.2.
 */
export class SecureBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly bucketName: string;
  public readonly bucketArn: string;
  /** The bucket id, for the bucket's sub-resources. */
  public readonly bucketId: string;
  /**
   * What must exist before another bucket may log to this one: with ACLs
   * disabled, S3 checks the target's policy (and its public-access block and
   * ownership) when logging is turned on.
   */
  public readonly logDeliveryReady: ITerraformDependable[];
  /** The key that encrypts the objects, when it is a customer-managed KMS key. */
  public readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.kmsKeyArn = props.kmsKeyArn;
    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      objectLockEnabled: props.objectLockEnabled ? true : undefined,
      lifecycle: protectedLifecycle(props.protect ?? true),
    });
    const bucketId = this.bucket.id;
    this.bucketId = bucketId;
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;

    new S3BucketVersioningA(this, 'versioning', { bucket: bucketId, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: bucketId,
      rule: [
        props.kmsKeyArn
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const ownership = new S3BucketOwnershipControls(this, 'ownership', {
      bucket: bucketId,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    const policy = this.tlsOnlyPolicy(props);
    // After the public-access block, so the policy is never briefly public.
    const bucketPolicy = new S3BucketPolicy(this, 'policy', {
      bucket: bucketId,
      policy: policy.json,
      dependsOn: [publicAccess],
    });
    this.logDeliveryReady = [bucketPolicy, publicAccess, ownership];
  }

  /** Denies every request without TLS or below TLS 1.2, beside the caller's own statements. */
  private tlsOnlyPolicy(props: SecureBucketProps): DataAwsIamPolicyDocument {
    const arn = this.bucket.arn;
    const everywhere = {
      principals: [{ type: '*', identifiers: ['*'] }],
      actions: ['s3:*'],
      resources: [arn, `${arn}/*`],
    };
    return new DataAwsIamPolicyDocument(this, 'policy-document', {
      statement: [
        {
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          ...everywhere,
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
        {
          sid: 'DenyTlsBelow12',
          effect: 'Deny',
          ...everywhere,
          condition: [{ test: 'NumericLessThan', variable: 's3:TlsVersion', values: ['1.2'] }],
        },
        ...(props.extraStatements?.(arn) ?? []),
      ],
    });
  }

  /** Lets `grantee` put objects under `keyPrefix` (nothing else: no read, no delete, no list). */
  public grantPut(grantee: IGrantable, keyPrefix: string): void {
    grantee.addToPolicy({
      sid: 'PutObjects',
      effect: 'Allow',
      actions: ['s3:PutObject'],
      resources: [`${this.bucketArn}/${keyPrefix}*`],
    });
    this.grantKey(grantee);
  }

  /** Lets `grantee` list the bucket and get, put and delete every object. */
  public grantReadWrite(grantee: IGrantable): void {
    grantee.addToPolicy({
      sid: 'ListBucket',
      effect: 'Allow',
      actions: ['s3:ListBucket'],
      resources: [this.bucketArn],
    });
    grantee.addToPolicy({
      sid: 'ReadWriteObjects',
      effect: 'Allow',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [`${this.bucketArn}/*`],
    });
    this.grantKey(grantee);
  }

  /**
   * The bucket's KMS key, for every grant: SSE-KMS needs a data key to put
   * an object and Decrypt to read one, and to complete a multipart upload
   * (the AWS CLI's above 8 MB). S3 never calls kms:Encrypt for SSE-KMS.
   */
  private grantKey(grantee: IGrantable): void {
    if (!this.kmsKeyArn) return;
    grantee.addToPolicy({
      sid: 'UseKey',
      effect: 'Allow',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [this.kmsKeyArn],
    });
  }
}

/**
 * Sends `from`'s server access logs to `to` under `prefix`. The logging waits
 * for the target's policy, so a first apply cannot fail with
 * InvalidTargetBucketForLogging. A function rather than a method, so the
 * logging resource lives in the caller's scope (its address stays put).
 */
export function logAccess(
  scope: Construct,
  id: string,
  props: { readonly from: SecureBucket; readonly to: SecureBucket; readonly prefix: string },
): S3BucketLoggingA {
  return new S3BucketLoggingA(scope, id, {
    bucket: props.from.bucketId,
    targetBucket: props.to.bucketId,
    targetPrefix: props.prefix,
    dependsOn: props.to.logDeliveryReady,
  });
}

/**
 * Lifecycle rules every versioned bucket here needs: replaced or deleted
 * versions expire after `noncurrentDays` (a week to undo a mistake), leftover
 * delete markers go, and incomplete multipart uploads are aborted after 7 days.
 */
export function housekeepingRules(noncurrentDays = 7): S3BucketLifecycleConfigurationRule[] {
  return [
    {
      id: 'expire-noncurrent-versions',
      status: 'Enabled',
      filter: [{}],
      noncurrentVersionExpiration: [{ noncurrentDays }],
      expiration: [{ expiredObjectDeleteMarker: true }],
    },
    {
      id: 'abort-incomplete-multipart-uploads',
      status: 'Enabled',
      filter: [{}],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
    },
  ];
}
