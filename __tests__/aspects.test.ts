/**
 * The invariants every stack must hold fail synth before anything is written
 * (per construct as Aspects, the grants on the rendering synth writes); each
 * is shown to fail on a planted violation, in a real stack.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
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

describe('invariants (Aspects, and the grants on the rendering)', () => {
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

  it('seal the stack they checked: synth writes that rendering, and nothing can be added after', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'aspects-'));
    try {
      const app = new App({ outdir, stackTraces: false });
      const stack = productionStack(app);
      checkInvariants([stack]);
      expect(() => new S3Bucket(stack, 'late', {})).toThrow(/Cannot add children/);
      const checked = JSON.parse(JSON.stringify(stack.toTerraform()));
      app.synth();
      const written = JSON.parse(readFileSync(join(outdir, 'stacks', 'production', 'cdk.tf.json'), 'utf8'));
      // Compared whole, reported short: a failure would print two whole stacks.
      expect(isDeepStrictEqual(written, checked)).toBe(true);
      expect(written.resource.aws_s3_bucket).toBeDefined();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
