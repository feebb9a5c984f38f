/**
 * The invariants every stack must hold are Aspects that fail synth; each is
 * shown to fail on a planted violation, in a real stack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { App, Testing } from 'cdktf';
import type { IConstruct } from 'constructs';
import { EnvironmentStack } from '../stacks/environment-stack';
import { InvariantError, checkInvariants } from '../stacks/app';
import { environment } from './helpers';

function productionStack(app = Testing.app()): EnvironmentStack {
  return new EnvironmentStack(app, environment('production'));
}

function first<T>(stack: EnvironmentStack, type: abstract new (...args: never[]) => T, where?: (t: T) => boolean): T {
  const found = stack.node.findAll().find((c: IConstruct) => c instanceof type && (!where || where(c as T)));
  if (!found) throw new Error(`no ${type.name} in the stack`);
  return found as T;
}

describe('invariants (Aspects)', () => {
  it('hold for the committed stacks', () => {
    expect(() => checkInvariants([productionStack()])).not.toThrow();
  });

  it('refuse a protected type without prevent_destroy in a protected environment', () => {
    const stack = productionStack();
    const bucket = first(stack, S3Bucket, (b) => b.bucketInput === 'catbird-mls-backups-production');
    bucket.lifecycle = { preventDestroy: false };
    expect(() => checkInvariants([stack])).toThrow(InvariantError);
    expect(() => checkInvariants([stack])).toThrow(
      new RegExp(`aws_s3_bucket ${bucket.friendlyUniqueId} has no prevent_destroy, but the environment is protected`),
    );
  });

  it('refuse a workload that assumes a role before its policy exists', () => {
    const stack = productionStack();
    const account = first(stack, ServiceAccountV1);
    account.dependsOn = undefined;
    expect(() => checkInvariants([stack])).toThrow(
      new RegExp(
        `kubernetes_service_account_v1\\.${account.friendlyUniqueId} uses the IAM role aws_iam_role\\.[\\w-]+ but does not depend on aws_iam_role_policy\\.[\\w-]+`,
      ),
    );
  });

  it('refuse S3 access logging before the target bucket may receive it', () => {
    const stack = productionStack();
    const logging = first(stack, S3BucketLoggingA);
    logging.dependsOn = [];
    expect(() => checkInvariants([stack])).toThrow(
      /aws_s3_bucket_logging\.\S+ uses the target bucket aws_s3_bucket\.\S+ but does not depend on aws_s3_bucket_ownership_controls\.\S+, aws_s3_bucket_policy\.\S+, aws_s3_bucket_public_access_block\.\S+/,
    );
  });

  it("fail cdktf's own synth too, not only the pre-check", () => {
    const outdir = mkdtempSync(join(tmpdir(), 'aspects-'));
    try {
      const app = new App({ outdir, stackTraces: false });
      first(productionStack(app), ServiceAccountV1).dependsOn = undefined;
      expect(() => app.synth()).toThrow(/does not depend on aws_iam_role_policy/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
