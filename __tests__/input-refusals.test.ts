/**
 * Inputs that used to pass synth and fail later (at validate, at apply, or
 * never, silently wrong), each refused now with its exact message; and the
 * nearly-right values beside each, which must still pass.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withReleaseFiles } from '../environments/release-files';
import { validateAll } from '../environments/validate';
import { localStateRequested } from '../stacks/local-state';
import { Edit, configIssues, source } from './helpers';

const refused = (edit: Edit, name: 'staging' | 'production' = 'production') =>
  configIssues(() => validateAll([source(name, edit)]));
const accepted = (edit: Edit, name: 'staging' | 'production' = 'production') =>
  expect(() => validateAll([source(name, edit)])).not.toThrow();

const PROD = 'production: ';
const svc = 'services[0]';

describe('refused environment inputs, with their exact messages', () => {
  it.each<[string, Edit, string]>([
    [
      'E8: one CIDR admitting the whole internet',
      (s) => (s.services[0].ingress.previewAllowedCidrs = ['0.0.0.0/0']),
      `${svc}.ingress.previewAllowedCidrs: admits the whole internet: the preview host serves unreleased builds; list your VPN or office ranges (got ["0.0.0.0/0"])`,
    ],
    [
      'E8: several CIDRs admitting it together',
      (s) => (s.services[0].ingress.previewAllowedCidrs = ['128.0.0.0/1', '10.0.0.0/8', '0.0.0.0/1']),
      `${svc}.ingress.previewAllowedCidrs: admits the whole internet (together they cover 0.0.0.0/0): the preview host serves unreleased builds; list your VPN or office ranges (got ["128.0.0.0/1","10.0.0.0/8","0.0.0.0/1"])`,
    ],
    [
      'E7: an env name a secret key also sets',
      (s) => (s.services[0].env.DATABASE_URL = 'postgres://db/mls'),
      `${svc}.env.DATABASE_URL: is also set by secret.keys.database-url: the container would get the variable twice, and this value in clear in cdk.tf.json; leave it to the secret`,
    ],
    ...(['SECRET', 'PASSWORD', 'PASSWD', 'TOKEN', 'KEY'] as const).map((end): [string, Edit, string] => [
      `E7: an env name ending in _${end}`,
      (s) => (s.services[0].env[`SMTP_${end}`] = 'x'),
      `${svc}.env.SMTP_${end}: is named as a secret (ends in "${end}"), but env values are written in clear to cdk.tf.json and the Deployment: put it in secret.keys, which reads it from AWS Secrets Manager`,
    ]),
    [
      'E7: a URL with credentials',
      (s) => (s.services[0].env.CACHE_URL = 'redis://default:hunter2@cache:6379'),
      `${svc}.env.CACHE_URL: holds a URL with credentials in it (user:password@), written in clear to cdk.tf.json and the Deployment: put it in secret.keys, which reads it from AWS Secrets Manager`,
    ],
    [
      'E6: a template sequence in an env value',
      (s) => (s.services[0].env.GREETING = 'hello ${var.name}'),
      `${svc}.env.GREETING: contains "\${", which Terraform would read as the start of an expression: environment and release files hold plain values`,
    ],
    [
      'E6: a template directive in any other string',
      (s) => (s.aws.tags.owner = 'team %{ if x }'),
      `aws.tags.owner: contains "%{", which Terraform would read as the start of an expression: environment and release files hold plain values`,
    ],
    [
      'E6: a template sequence in a key',
      (s) => (s.aws.tags['cost-${x}'] = 'a'),
      `aws.tags.cost-\${x}: has a key with "\${", which Terraform would read as the start of an expression: environment and release files hold plain values`,
    ],
    [
      'E5: a tag key with the aws: prefix',
      (s) => (s.aws.tags['aws:createdBy'] = 'me'),
      'aws.tags.aws:createdBy: must not start with "aws:": AWS reserves that prefix (got "aws:createdBy")',
    ],
    [
      'E5: the prefix in upper case',
      (s) => (s.aws.tags['AWS:x'] = 'me'),
      'aws.tags.AWS:x: must not start with "aws:": AWS reserves that prefix (got "AWS:x")',
    ],
    [
      'E9: kube-system as the namespace',
      (s) => (s.namespace = 'kube-system'),
      'namespace: "kube-system" is a system namespace of the cluster: the stack creates its namespaces and deletes them with it; choose one of your own (got "kube-system")',
    ],
    [
      'E9: default as the monitoring namespace',
      (s) => (s.monitoringNamespace = 'default'),
      'monitoringNamespace: "default" is a system namespace of the cluster: the stack creates its namespaces and deletes them with it; choose one of your own (got "default")',
    ],
    [
      "E9: the operator's namespace",
      (s) => (s.namespace = 'external-secrets'),
      'namespace: "external-secrets" is the namespace of External Secrets Operator, which this stack installs: choose another (got "external-secrets")',
    ],
    [
      'E11: a blank awsSecretId',
      (s) => (s.services[0].secret.keys['jwt-secret'].awsSecretId = '  '),
      `${svc}.secret.keys.jwt-secret.awsSecretId: must be a Secrets Manager secret name (1-512 letters, digits and "/_+=.@-") or a secret ARN (got "  ")`,
    ],
    [
      'E11: an empty monitoring secret id',
      (s) => (s.monitoring.slackWebhookSecretId = ''),
      'monitoring.slackWebhookSecretId: must be a Secrets Manager secret name (1-512 letters, digits and "/_+=.@-") or a secret ARN (got "")',
    ],
    [
      'E15: a preview CIDR with host bits',
      (s) => (s.services[0].ingress.previewAllowedCidrs = ['10.100.0.1/16']),
      `${svc}.ingress.previewAllowedCidrs[0]: has host bits set: the network is "10.100.0.0/16" (got "10.100.0.1/16")`,
    ],
    [
      'E15: a database CIDR with host bits',
      (s) => (s.database.cidrs = ['10.0.129.0/17']),
      'database.cidrs[0]: has host bits set: the network is "10.0.128.0/17" (got "10.0.129.0/17")',
    ],
    ...['/production/terraform.tfstate', 'production/', 'a//b', 'a b'].map((key): [string, Edit, string] => [
      `E10: the state key ${JSON.stringify(key)}`,
      (s) => (s.stateBackend.key = key),
      `stateBackend.key: must be an S3 key such as "production/terraform.tfstate": no leading or trailing "/", no "//", no spaces (got ${JSON.stringify(key)})`,
    ]),
    [
      'E20: a DID key of 120,000 characters',
      (s) => (s.services[0].did.publicKeyMultibase = `z${'6'.repeat(119_999)}`),
      `${svc}.did.publicKeyMultibase: must be at most 1024 characters (an Ed25519 key is 48)`,
    ],
    [
      'E21: a kube context with a space',
      (s) => (s.kubernetes.context = 'prod cluster'),
      'kubernetes.context: must be a kube context name without spaces, as `kubectl config get-contexts` lists it (got "prod cluster")',
    ],
    [
      'E22: production on the staging issuer',
      (s) => (s.services[0].ingress.clusterIssuer = 'letsencrypt-staging'),
      `${svc}.ingress.clusterIssuer: "letsencrypt-staging" is a staging issuer, whose certificates browsers do not trust, in a protected environment: use the production issuer (such as "letsencrypt-prod")`,
    ],
  ])('%s', (_, edit, message) => {
    expect(refused(edit)).toEqual([PROD + message]);
  });

  it.each<[string, Edit]>([
    [
      'E8: everything but one address',
      (s) =>
        (s.services[0].ingress.previewAllowedCidrs = [
          '0.0.0.0/1',
          '128.0.0.0/2',
          '192.0.0.0/3',
          '224.0.0.0/4',
          '240.0.0.0/5',
          '248.0.0.0/6',
          '252.0.0.0/7',
          '254.0.0.0/8',
          '255.0.0.0/9',
        ]),
    ],
    [
      'E8: two halves with a gap',
      (s) => (s.services[0].ingress.previewAllowedCidrs = ['0.0.0.0/1', '128.0.0.0/2', '224.0.0.0/3']),
    ],
    ['E8: no CIDR at all (nobody reaches the preview host)', (s) => (s.services[0].ingress.previewAllowedCidrs = [])],
    [
      'E7: names that only contain a secret word',
      (s) =>
        Object.assign(s.services[0].env, {
          KEYCLOAK_URL: 'https://id',
          TOKENIZER: 'bpe',
          SECRETS_DIR: '/run',
          API_KEYS_ENABLED: 'no',
        }),
    ],
    ['E7: a URL with a user and no password', (s) => (s.services[0].env.MIRROR_URL = 'https://user@mirror.example')],
    ['E7: a URL with a port', (s) => (s.services[0].env.CACHE_HOST = 'redis://cache:6379/0')],
    ['E6: a lone "$" or "%"', (s) => (s.services[0].env.PROMPT = '$ 100% {x}')],
    ['E5: "aws" without the colon', (s) => (s.aws.tags['aws-team'] = 'x')],
    [
      'E9: names that only start like system namespaces',
      (s) => Object.assign(s, { namespace: 'kubeflow', monitoringNamespace: 'defaults' }),
    ],
    ['E15: a CIDR on its network address', (s) => (s.database.cidrs = ['10.0.128.0/17', '10.1.2.3/32'])],
    ['E10: a key with one folder', (s) => (s.stateBackend.key = 'mls/production.tfstate')],
    ['E20: a key of exactly 1024 characters', (s) => (s.services[0].did.publicKeyMultibase = `z${'6'.repeat(1023)}`)],
    [
      'E21: a context with ARN punctuation',
      (s) => (s.kubernetes.context = 'arn:aws:eks:us-east-1:123456789012:cluster/prod'),
    ],
    [
      'E22: a production issuer whose name only contains "stag"',
      (s) => (s.services[0].ingress.clusterIssuer = 'letsencrypt-prod-stagger'),
    ],
    [
      'E11: a secret ARN',
      (s) =>
        (s.services[0].secret.keys['jwt-secret'].awsSecretId =
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:mls/jwt-AbCdEf'),
    ],
  ])('accepts the look-alike: %s', (_, edit) => accepted(edit));

  it('E22: an unprotected environment may use the staging issuer', () => {
    accepted((s) => (s.services[0].ingress.clusterIssuer = 'letsencrypt-staging'), 'staging');
    expect(refused((s) => (s.protect = true), 'staging')).toEqual([
      `staging: ${svc}.ingress.clusterIssuer: "letsencrypt-staging" is a staging issuer, whose certificates browsers do not trust, in a protected environment: use the production issuer (such as "letsencrypt-prod")`,
    ]);
  });
});

describe('release files found by the environment name (E16, R13, R14)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'release-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const settings = (name: string) => {
    const s = structuredClone(source('production').settings) as { name: string };
    s.name = name;
    return s;
  };
  const release = JSON.stringify(source('production').release, null, 2);
  const write = (name: string, text: string | Buffer) => {
    rmSync(join(dir, 'environments'), { recursive: true, force: true });
    mkdirSync(join(dir, 'environments'));
    writeFileSync(join(dir, 'environments', `${name}.release.json`), text);
  };
  const issues = (name: string) => configIssues(() => validateAll(withReleaseFiles([settings(name)], dir)));

  it('E16: a renamed environment reads the file of its new name, or says it is missing', () => {
    write('production', release);
    expect(issues('prod')).toEqual([
      "prod: release: environments/prod.release.json does not exist (the release file is named after the environment's name; create it, or run: cp environments/staging.release.json environments/prod.release.json)",
    ]);
    write('prod', release);
    expect(validateAll(withReleaseFiles([settings('prod')], dir))[0]!.release.services).toEqual(
      JSON.parse(release).services,
    );
  });

  it('R13: refuses a key given twice, naming it and where', () => {
    write('production', release.replace('"live": "blue",', '"live": "blue",\n      "live": "green",'));
    expect(issues('production')).toEqual([
      'production: release: environments/production.release.json has a key "live" given twice in services.mls-server (line 5, column 7): JSON keeps only the last, so the file would not say what a reviewer reads; remove one',
    ]);
  });

  it('R14: accepts a UTF-8 byte-order mark, as the release command does', () => {
    write('production', `\ufeff${release}`);
    expect(validateAll(withReleaseFiles([settings('production')], dir))).toHaveLength(1);
  });

  it('P3: names UTF-16, with or without a byte-order mark', () => {
    write('production', Buffer.from(`\ufeff${release}`, 'utf16le'));
    expect(issues('production')).toEqual([
      'production: release: environments/production.release.json is UTF-16 (little-endian) encoded: save it as UTF-8',
    ]);
    write('production', Buffer.from(release, 'utf16le'));
    expect(issues('production')).toEqual([
      'production: release: environments/production.release.json is UTF-16 encoded (no byte-order mark): save it as UTF-8',
    ]);
  });
});

describe('LOCAL_STATE (E18)', () => {
  const envs = [{ name: 'staging' }];
  it.each(['1', 'true', 'TRUE', 'yes', 'on'])('%j keeps state locally', (v) => {
    expect(localStateRequested(envs, { LOCAL_STATE: v })).toBe(true);
  });
  it.each(['', '0', 'false', 'False', 'no', 'off'])('%j keeps the S3 backend', (v) => {
    expect(localStateRequested(envs, { LOCAL_STATE: v })).toBe(false);
  });
  it('unset keeps the S3 backend', () => expect(localStateRequested(envs, {})).toBe(false));
  it.each(['2', 'maybe', ' 1', 'y'])('%j is refused, naming the values it takes', (v) => {
    expect(configIssues(() => localStateRequested(envs, { LOCAL_STATE: v }))).toEqual([
      `staging: LOCAL_STATE: must be 1, true, yes or on to keep state in a local file, or 0, false, no, off or unset for the S3 backend (got ${JSON.stringify(v)})`,
    ]);
  });
});
