import { Testing } from 'cdktf';
import { BackupBucket, BackupBucketProps } from '../features/data/backup-bucket';
import { SynthJson, referenced, resourcesOf, synthJson } from './helpers';

function synth(props: Partial<BackupBucketProps> = {}): SynthJson {
  return JSON.parse(
    Testing.synthScope(
      (scope) => new BackupBucket(scope, 'backups', { bucketName: 'acme-backups', retentionDays: 30, ...props }),
    ),
  );
}

const one = (json: SynthJson, type: string) => {
  const all = resourcesOf(json, type);
  expect(all).toHaveLength(1);
  return all[0];
};

describe('BackupBucket', () => {
  const json = synth();

  it('versions the bucket', () => {
    expect(one(json, 'aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
  });

  it('encrypts with a customer-managed, rotating KMS key and S3 Bucket Keys', () => {
    const key = one(json, 'aws_kms_key');
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(one(json, 'aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: 'aws:kms',
          kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.backups_key_[0-9A-F]+\.arn\}$/),
        },
        bucket_key_enabled: true,
      },
    ]);
    expect(one(json, 'aws_kms_alias').name).toBe('alias/acme-backups');
  });

  it('blocks every kind of public access and disables ACLs', () => {
    expect(one(json, 'aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(one(json, 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
  });

  it('denies requests without TLS and below TLS 1.2', () => {
    const policy = one(json, 'aws_s3_bucket_policy');
    const doc = referenced(json, policy.policy);
    expect(
      doc.statement.map((s: { sid: string; effect: string; condition: unknown }) => [s.sid, s.effect, s.condition]),
    ).toEqual([
      ['DenyInsecureTransport', 'Deny', [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]],
      ['DenyTlsBelow12', 'Deny', [{ test: 'NumericLessThan', variable: 's3:TlsVersion', values: ['1.2'] }]],
    ]);
    expect(policy.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_public_access_block\./)]);
  });

  it('expires dumps after the retention, noncurrent versions, and stale multipart uploads', () => {
    const rules = one(json, 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(rules).toEqual([
      { id: 'expire-database-dumps', status: 'Enabled', filter: [{ prefix: 'database/' }], expiration: [{ days: 30 }] },
      {
        id: 'expire-noncurrent-versions',
        status: 'Enabled',
        filter: [{}],
        noncurrent_version_expiration: [{ noncurrent_days: 7 }],
        expiration: [{ expired_object_delete_marker: true }],
      },
      {
        id: 'abort-incomplete-multipart-uploads',
        status: 'Enabled',
        filter: [{}],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
  });

  it('protects bucket and key by default, and not when told', () => {
    expect(one(json, 'aws_s3_bucket').lifecycle).toEqual({ prevent_destroy: true });
    expect(one(json, 'aws_kms_key').lifecycle).toEqual({ prevent_destroy: true });
    const open = synth({ protect: false });
    expect(one(open, 'aws_s3_bucket').lifecycle).toEqual({ prevent_destroy: false });
  });

  it('has no Object Lock or access logging unless asked', () => {
    expect(one(json, 'aws_s3_bucket').object_lock_enabled).toBeUndefined();
    expect(resourcesOf(json, 'aws_s3_bucket_object_lock_configuration')).toHaveLength(0);
    expect(resourcesOf(json, 'aws_s3_bucket_logging')).toHaveLength(0);
  });

  it('locks objects in governance mode when asked', () => {
    const locked = synth({ objectLockDays: 30 });
    expect(one(locked, 'aws_s3_bucket').object_lock_enabled).toBe(true);
    expect(one(locked, 'aws_s3_bucket_object_lock_configuration').rule).toEqual({
      default_retention: { mode: 'GOVERNANCE', days: 30 },
    });
  });

  it('refuses a lock longer than the retention', () => {
    expect(() => synth({ objectLockDays: 31 })).toThrow(
      'BackupBucket acme-backups: objectLockDays (31) must not exceed retentionDays (30)',
    );
  });

  it('logs access to a separate, equally locked-down bucket', () => {
    const logged = synth({ accessLogging: true });
    expect(
      resourcesOf(logged, 'aws_s3_bucket')
        .map((b) => b.bucket)
        .sort(),
    ).toEqual(['acme-backups', 'acme-backups-logs']);
    expect(one(logged, 'aws_s3_bucket_logging')).toMatchObject({ target_prefix: 'access/backups/' });
    expect(resourcesOf(logged, 'aws_s3_bucket_public_access_block')).toHaveLength(2);
    expect(resourcesOf(logged, 'aws_s3_bucket_versioning')).toHaveLength(2);
    expect(resourcesOf(logged, 'aws_s3_bucket_policy')).toHaveLength(2);
    const logRules = resourcesOf(logged, 'aws_s3_bucket_lifecycle_configuration')
      .map((l) => l.rule.map((r: { id: string }) => r.id))
      .find((ids: string[]) => ids.includes('expire-access-logs'));
    expect(logRules).toEqual([
      'expire-access-logs',
      'expire-noncurrent-versions',
      'abort-incomplete-multipart-uploads',
    ]);
  });

  it('outputs the bucket name and ARN and the key ARN', () => {
    expect(Object.keys(json.output ?? {}).sort()).toEqual([
      expect.stringMatching(/^backups_bucket-arn/),
      expect.stringMatching(/^backups_bucket-name/),
      expect.stringMatching(/^backups_kms-key-arn/),
    ]);
  });
});

describe('backup buckets in the stacks', () => {
  it('protects the production bucket and key from destroy, with Object Lock and access logs', () => {
    const json = synthJson('production');
    const bucket = resourcesOf(json, 'aws_s3_bucket').find((b) => b.bucket === 'catbird-mls-backups-production');
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
    expect(resourcesOf(json, 'aws_kms_key')[0].lifecycle).toEqual({ prevent_destroy: true });
    expect(resourcesOf(json, 'aws_s3_bucket_object_lock_configuration')[0].rule.default_retention.days).toBe(30);
    // The backup bucket and Loki's bucket both log to the log bucket.
    expect(
      resourcesOf(json, 'aws_s3_bucket_logging')
        .map((l) => l.target_prefix)
        .sort(),
    ).toEqual(['access/backups/', 'access/loki/']);
  });

  it('keeps staging destroyable and retains dumps 30 days', () => {
    const json = synthJson('staging');
    expect(resourcesOf(json, 'aws_s3_bucket')[0].lifecycle).toEqual({ prevent_destroy: false });
    expect(resourcesOf(json, 'aws_s3_bucket_lifecycle_configuration')[0].rule[0].expiration).toEqual([{ days: 30 }]);
  });
});
