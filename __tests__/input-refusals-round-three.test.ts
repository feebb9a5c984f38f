/**
 * Inputs, round three: isolation between environments (a secret by its
 * ARN, the state bucket, one bucket for two uses), objectives whose alerts
 * could not be meaningful, and values accepted before but refused at apply
 * (Secret keys, regions, tags, reasons, two keys on one variable, a stage
 * counter gone backwards). Each refusal names the environment and field;
 * beside it, a look-alike that still passes.
 */
import { validateAll } from '../environments/validate';
import { secretName } from '../environments/uniqueness';
import { parseImage } from '../core/image';
import { ENV_NAMES, Edit, configIssues, environment, source } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests edit raw copies */

/** Every committed environment validated together, production edited. */
const all = (edit: Edit) => ENV_NAMES.map((name) => (name === 'production' ? source(name, edit) : source(name)));
const acrossIssues = (edit: Edit) => configIssues(() => validateAll(all(edit)));
const acrossPasses = (edit: Edit) => expect(() => validateAll(all(edit))).not.toThrow();
const issues = (edit: Edit) => configIssues(() => environment('production', edit));
const passes = (edit: Edit) => expect(() => environment('production', edit)).not.toThrow();

describe('isolation between environments', () => {
  const stagingDb = 'mls-server/staging/database-url';
  const arn = (name: string, suffix = 'AbC123') =>
    `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${suffix}`;

  it('knows a secret by its name however it is written', () => {
    expect(secretName(arn(stagingDb))).toBe(stagingDb);
    expect(secretName(arn('monitoring/x', 'zZ9zZ9'))).toBe('monitoring/x');
    expect(secretName(`arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:${stagingDb}-AbC123`)).toBe(stagingDb);
    expect(secretName(stagingDb)).toBe(stagingDb);
  });

  it('refuses another environment’s secret named by its ARN', () => {
    expect(
      acrossIssues((s) => (s.services[0].secret.keys['database-url'].awsSecretId = arn(stagingDb))),
    ).toContainEqual(
      `production: services[0].secret.keys.database-url.awsSecretId: Secrets Manager id "${arn(stagingDb)}" (the same secret as Secrets Manager id "${stagingDb}") is also used by environment "staging" (services[0].secret.keys.database-url.awsSecretId)`,
    );
    // Look-alike: an ARN of production's own secret.
    acrossPasses(
      (s) => (s.services[0].secret.keys['database-url'].awsSecretId = arn('mls-server/production/database-url')),
    );
  });

  it('refuses the Terraform state bucket as the backup bucket, in either environment', () => {
    expect(acrossIssues((s) => (s.backups.bucketName = 'catbird-terraform-state'))).toContainEqual(
      'production: backups.bucketName: bucket "catbird-terraform-state" is also used by environment "staging" (stateBackend.bucket (the Terraform state bucket))',
    );
    expect(
      configIssues(() =>
        validateAll([source('production', (s) => (s.backups.bucketName = 'catbird-terraform-state'))]),
      ),
    ).toContainEqual(
      'production: backups.bucketName: bucket "catbird-terraform-state" is also used by stateBackend.bucket (the Terraform state bucket)',
    );
    // Look-alike: a bucket named like it; and every environment's state in one bucket.
    acrossPasses((s) => (s.backups.bucketName = 'catbird-terraform-state-backups'));
    acrossPasses(() => undefined);
  });

  it('refuses the backup bucket as Loki’s bucket', () => {
    expect(acrossIssues((s) => (s.monitoring.loki.s3BucketName = s.backups.bucketName))).toContainEqual(
      'production: monitoring.loki.s3BucketName: bucket "catbird-mls-backups-production" is also used by backups.bucketName',
    );
    expect(acrossIssues((s) => (s.monitoring.loki.s3BucketName = `${s.backups.bucketName}-logs`))).toContainEqual(
      'production: monitoring.loki.s3BucketName: bucket "catbird-mls-backups-production-logs" is also used by backups.bucketName (its -logs bucket)',
    );
    acrossPasses((s) => (s.monitoring.loki.s3BucketName = `${s.backups.bucketName}-loki`));
  });
});

describe('objectives whose alerts could not be meaningful', () => {
  it.each<[string, any, string]>([
    [
      'an objective whose fastest page needs a ratio above 1',
      { availability: { objective: 0.93 } },
      'services[0].slo.availability.objective: (0.93) leaves a budget so large that the fastest page needs an error ratio of 1.008, above 1, which no ratio reaches: use an objective of at least 0.9306',
    ],
    [
      'an objective whose budget rounds to nothing',
      { availability: { objective: 0.9999999 } },
      'services[0].slo.availability.objective: (0.9999999) leaves an error budget below 0.000001 (one request in a million): the alert thresholds round to nothing and every error would page; use at most 0.999999',
    ],
    [
      'a window too short for the pages',
      { window: '1d' },
      'services[0].slo.window: (1d) is too short for the burn-rate pages: ErrorBudgetBurn6h would page at 0.2× the sustainable rate, while the budget still holds; use at least 5d',
    ],
    [
      'a window so long the default latency objective cannot page',
      { window: '90d' },
      'services[0].slo.window: (90d) with the default latency objective 0.95 leaves a budget so large that the fastest page needs an error ratio of 2.16, above 1, which no ratio reaches: use an objective of at least 0.9769, or a shorter window',
    ],
  ])('refuses %s, naming the field and the limit', (_what, slo, issue) => {
    expect(issues((s) => (s.services[0].slo = slo))).toContainEqual(`production: ${issue}`);
  });

  it.each<[string, any]>([
    ['the lowest objective that can page', { availability: { objective: 0.9306 } }],
    ['six nines', { availability: { objective: 0.999999 } }],
    ['the shortest window', { window: '5d' }],
    [
      'a long window with a tight latency objective',
      { window: '90d', latency: { objective: 0.99, thresholdSeconds: 2 } },
    ],
  ])('accepts %s', (_what, slo) => passes((s) => (s.services[0].slo = slo)));
});

describe('values Kubernetes or AWS would refuse at apply', () => {
  const keyIssue = (key: string) =>
    issues((s) => {
      s.services[0].secret.keys[key] = { env: 'EXTRA', awsSecretId: 'mls-server/production/extra' };
    });

  it.each(['.', '..', '..data'])('refuses the Secret key %j, the kubelet’s own name', (key) => {
    expect(keyIssue(key)).toContainEqual(
      `production: services[0].secret.keys.${key}: must not be "." or "..", nor start with "..": the kubelet writes the Secret volume's own entries under those names (got ${JSON.stringify(key)})`,
    );
  });

  it('refuses a Secret key over 253 characters, and takes one of 253', () => {
    expect(keyIssue('k'.repeat(254))).toContainEqual(
      `production: services[0].secret.keys.${'k'.repeat(254)}: must be at most 253 characters (a Secret key is a file name)`,
    );
    passes((s) => (s.services[0].secret.keys['k'.repeat(253)] = { env: 'EXTRA', awsSecretId: 'mls-server/x' }));
    passes((s) => (s.services[0].secret.keys['.data'] = { env: 'EXTRA', awsSecretId: 'mls-server/x' }));
  });

  it('refuses two Secret keys on one variable', () => {
    expect(issues((s) => (s.services[0].secret.keys['redis-url'].env = 'DATABASE_URL'))).toContainEqual(
      'production: services[0].secret.keys.redis-url.env: "DATABASE_URL" is also the variable of secret.keys.database-url: the container would get one of the two values, silently; give each key its own variable',
    );
  });

  it('refuses a region AWS does not have, and takes the ones it has', () => {
    expect(issues((s) => (s.aws.region = 'xx-north-9'))).toContainEqual(
      'production: aws.region: is not an AWS region (the provider would refuse it): use one such as "eu-west-1" (got "xx-north-9")',
    );
    expect(issues((s) => (s.aws.region = 'Europe'))).toContainEqual(
      'production: aws.region: must be an AWS region such as "eu-west-1" (got "Europe")',
    );
    for (const region of ['eu-central-2', 'us-gov-west-1', 'ap-southeast-7', 'mx-central-1']) {
      passes((s) => (s.aws.region = region));
    }
  });

  it('refuses an image tag a label value cannot start with', () => {
    expect(parseImage('ghcr.io/catbird/mls-server:_1.5.0')).toEqual({
      error:
        'must be an image reference such as "ghcr.io/catbird/mls-server:1.4.2": "_1.5.0" must start with a letter or digit: the release is named by its tag in Kubernetes labels, which must',
    });
    expect(parseImage('ghcr.io/catbird/mls-server:.1')).toMatchObject({
      error: expect.stringContaining('not a valid tag'),
    });
    expect(parseImage('ghcr.io/catbird/mls-server:v1_5')).toMatchObject({ tag: 'v1_5' });
  });
});

describe('release files', () => {
  const switched: Edit = (_s, r) => {
    Object.assign(r.services['mls-server'], {
      live: 'green',
      phase: 'switched',
      green: { image: 'ghcr.io/catbird/mls-server:1.5.0', replicas: 3, stage: 7 },
    });
    r.stages = 7;
  };

  it.each<[string, string, string]>([
    ['a line break and a forged headline', 'INC-1 fixed\n**production: nothing changes**', 'a line break'],
    ['a zero-width space', 'INC-2214\u200b verified', 'an invisible'],
    ['a right-to-left override', 'INC-2214 \u202everified', 'an invisible'],
  ])('refuses a reason with %s', (_what, reason) => {
    expect(
      issues((s, r) => {
        switched(s, r);
        r.services['mls-server'].skipAnalysis = { reason };
      }),
    ).toContainEqual(
      expect.stringMatching(
        /^production: release\.services\.mls-server\.skipAnalysis\.reason: must be one line of visible text: it is shown in the plan summary and kept in an annotation, where a line break or an invisible character could forge or hide what reviewers read \(got /,
      ),
    );
  });

  it('refuses a blank or too long reason, and takes one of 500 characters', () => {
    const reason = (text: string) =>
      issues((s, r) => {
        switched(s, r);
        r.services['mls-server'].skipAnalysis = { reason: text };
      });
    expect(reason('  a  b  c  d  ')).toContainEqual(
      'production: release.services.mls-server.skipAnalysis.reason: must say why, in at least 10 characters (an incident id, what is broken) (got "a  b  c  d")',
    );
    expect(reason('x'.repeat(501))).toContainEqual(
      'production: release.services.mls-server.skipAnalysis.reason: must be at most 500 characters: a reason, not a report',
    );
    passes((s, r) => {
      switched(s, r);
      r.services['mls-server'].skipAnalysis = { reason: 'x'.repeat(500) };
    });
  });

  it('refuses a stage counter below a stage the file records, naming stages', () => {
    expect(
      issues((s, r) => {
        switched(s, r);
        r.stages = 3;
      }),
    ).toContainEqual(
      'production: release.stages: (3) is below stage 7, which the file already records: the next stage would reuse a number and its snapshot name; set it to at least 7',
    );
    expect(
      issues((_s, r) => {
        r.history.push({ release: '1.5.0', stage: 4 });
        r.stages = 2;
      }),
    ).toContainEqual(expect.stringContaining('release.stages: (2) is below stage 4'));
    passes(switched);
  });
});
