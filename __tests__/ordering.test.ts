/**
 * "Grant before use": pairs of resources where Terraform must create the
 * grant first, or the first apply fails (or a workload starts without its
 * permissions) and only a second apply succeeds. Checked on every
 * environment's synthesized stack, so any new bucket, role or key gets the
 * order right or fails here.
 */
import { ENV_NAMES, SynthJson, synthJson } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Resources = Record<string, Record<string, any>>;

/** `${aws_s3_bucket.x.id}` → `aws_s3_bucket.x`. */
const addressOf = (ref: unknown) => /^\$\{([a-z0-9_]+\.[^.}]+)\./.exec(String(ref))?.[1];

/** Addresses of every resource of `type` whose `field` references `target`. */
function whereFieldIs(resources: Resources, type: string, field: string, target: string | undefined): string[] {
  return Object.entries(resources[type] ?? {})
    .filter(([, body]) => addressOf(body[field]) === target)
    .map(([id]) => `${type}.${id}`);
}

/** Problems: S3 access logging enabled before the target bucket accepts log delivery. */
export function loggingProblems(json: SynthJson): string[] {
  const resources = json.resource as Resources;
  return Object.entries(resources.aws_s3_bucket_logging ?? {}).flatMap(([id, logging]) => {
    const target = addressOf(logging.target_bucket);
    const needed = ['aws_s3_bucket_policy', 'aws_s3_bucket_public_access_block', 'aws_s3_bucket_ownership_controls'];
    return needed.flatMap((type) => {
      const grants = whereFieldIs(resources, type, 'bucket', target);
      if (grants.length === 0) return [`aws_s3_bucket_logging.${id}: target ${target} has no ${type}`];
      return grants
        .filter((g) => !(logging.depends_on ?? []).includes(g))
        .map((g) => `aws_s3_bucket_logging.${id} does not depend on ${g}`);
    });
  });
}

/** Problems: a workload given an IAM role's ARN before the role's policy exists. */
export function rolePolicyProblems(json: SynthJson): string[] {
  const resources = json.resource as Resources;
  const problems: string[] = [];
  for (const roleId of Object.keys(resources.aws_iam_role ?? {})) {
    const role = `aws_iam_role.${roleId}`;
    const policies = whereFieldIs(resources, 'aws_iam_role_policy', 'role', role);
    if (policies.length === 0) problems.push(`${role} has no aws_iam_role_policy`);
    for (const [type, byId] of Object.entries(resources)) {
      if (type.startsWith('aws_iam_')) continue;
      for (const [id, body] of Object.entries(byId)) {
        if (!JSON.stringify(body).includes(`\${${role}.arn}`)) continue;
        for (const p of policies) {
          if (!(body.depends_on ?? []).includes(p))
            problems.push(`${type}.${id} uses ${role} but does not depend on ${p}`);
        }
      }
    }
  }
  return problems;
}

/** Problems: bucket encryption naming a KMS key that is not a resource of the stack (so no implicit order). */
export function kmsProblems(json: SynthJson): string[] {
  const resources = json.resource as Resources;
  return Object.entries(resources.aws_s3_bucket_server_side_encryption_configuration ?? {}).flatMap(([id, sse]) =>
    sse.rule.flatMap((rule: any) => {
      const key = rule.apply_server_side_encryption_by_default?.kms_master_key_id;
      if (key === undefined) return [];
      const address = addressOf(key);
      const known = address?.startsWith('aws_kms_key.') && resources.aws_kms_key?.[address.slice(12)];
      return known ? [] : [`encryption ${id} names ${key}, not a key of this stack`];
    }),
  );
}

describe.each(ENV_NAMES)('%s: grant before use', (name) => {
  const json = synthJson(name);

  it('enables S3 access logging only after the target bucket policy, public-access block and ownership', () => {
    expect(loggingProblems(json)).toEqual([]);
  });

  it('starts workloads that assume an IAM role only after the role policy', () => {
    expect(rolePolicyProblems(json)).toEqual([]);
  });

  it('encrypts buckets with KMS keys of the stack, so the key exists first', () => {
    expect(kmsProblems(json)).toEqual([]);
  });
});

describe('the ordering checks find what they look for', () => {
  const planted = (edit: (r: Resources) => void): SynthJson => {
    const json = structuredClone(synthJson('production'));
    edit(json.resource as Resources);
    return json;
  };

  it('a logging resource without its dependencies', () => {
    const json = planted((r) => Object.values(r.aws_s3_bucket_logging!).forEach((l) => delete l.depends_on));
    expect(loggingProblems(json)).toEqual(
      expect.arrayContaining([expect.stringMatching(/does not depend on aws_s3_bucket_policy\./)]),
    );
  });

  it('a service account that does not wait for its role policy', () => {
    const json = planted((r) => Object.values(r.kubernetes_service_account_v1!).forEach((sa) => delete sa.depends_on));
    expect(rolePolicyProblems(json)).toEqual([
      expect.stringMatching(/^kubernetes_service_account_v1\..* uses aws_iam_role\..* but does not depend on/),
    ]);
  });

  it('an encryption that names a key from elsewhere', () => {
    const json = planted((r) => {
      const sse = Object.values(r.aws_s3_bucket_server_side_encryption_configuration!).find(
        (c) => c.rule[0].apply_server_side_encryption_by_default.kms_master_key_id,
      )!;
      sse.rule[0].apply_server_side_encryption_by_default.kms_master_key_id = 'arn:aws:kms:us-east-1:1:key/x';
    });
    expect(kmsProblems(json)).toHaveLength(1);
  });
});
