import { Testing } from 'cdktf';
import { SecretsManagerSecret } from '../constructs/secrets-manager-secret';
import { ENV_NAMES, SynthJson, dataOf, resourceNamed, resourcesOf, synthJson, synthString } from './helpers';

/** Strings in synthesized JSON that look like a secret value rather than a reference. */
const SECRET_SHAPES: [string, RegExp][] = [
  ['a connection string with credentials', /\b(postgres(ql)?|redis|rediss|mysql|amqp):\/\/[^\s"$]*@/i],
  ['a Slack webhook', /hooks\.slack\.com\/services\//i],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['an AWS access key id', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['a JWT', /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./],
];

/** Keys whose values must always be Terraform references when present. */
const SENSITIVE_KEY = /(^|_)(password|secret|token|webhook|data|secret_string|api_url)$/i;

function findSecretLiterals(json: unknown, path = ''): string[] {
  if (typeof json === 'string') {
    return SECRET_SHAPES.filter(([, re]) => re.test(json)).map(([what]) => `${path}: ${what}`);
  }
  if (Array.isArray(json)) return json.flatMap((v, i) => findSecretLiterals(v, `${path}[${i}]`));
  if (json && typeof json === 'object') {
    return Object.entries(json).flatMap(([key, value]) => {
      const here = `${path}.${key}`;
      const literals = findSecretLiterals(value, here);
      // Under a sensitive key, every leaf string must be a reference.
      if (SENSITIVE_KEY.test(key) && key !== 'data' ? typeof value === 'string' && !value.startsWith('${') : false) {
        literals.push(`${here}: a literal under a sensitive key`);
      }
      return literals;
    });
  }
  return [];
}

/** Secret keys that hold a plain, non-secret value on purpose. */
const PLAIN_KEYS: Record<string, string> = { 'admin-user': 'admin' };

/** Secret values, leaving out the deliberately plain ones (after checking they are exactly that). */
function secretData(json: SynthJson): string[] {
  return resourcesOf(json, 'kubernetes_secret_v1').flatMap((s) =>
    Object.entries((s.data ?? {}) as Record<string, string>).flatMap(([key, value]) => {
      if (key in PLAIN_KEYS) {
        expect(value).toBe(PLAIN_KEYS[key]);
        return [];
      }
      return [value];
    }),
  );
}

describe('SecretsManagerSecret', () => {
  const json: SynthJson = JSON.parse(
    Testing.synthScope(
      (scope) =>
        new SecretsManagerSecret(scope, 'secrets', {
          name: 'app-secrets',
          namespace: 'apps',
          keys: { 'jwt-secret': 'app/prod/jwt', 'database-url': 'app/prod/db' },
        }),
    ),
  );

  it('reads each value from Secrets Manager at plan time', () => {
    expect(
      Object.values(dataOf(json, 'aws_secretsmanager_secret_version'))
        .map((d) => d.secret_id)
        .sort(),
    ).toEqual(['app/prod/db', 'app/prod/jwt']);
    const secret = resourceNamed(json, 'kubernetes_secret_v1', 'app-secrets');
    expect(Object.keys(secret.data)).toEqual(['database-url', 'jwt-secret']);
    for (const value of Object.values(secret.data)) {
      expect(value).toMatch(/^\$\{data\.aws_secretsmanager_secret_version\.[^.]+\.secret_string\}$/);
    }
  });
});

describe('no secret value in the synthesized output', () => {
  it.each(ENV_NAMES)('%s: every Secret value is a Secrets Manager reference', (name) => {
    const values = secretData(synthJson(name));
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) {
      // A registry pull secret is an expression over Secrets Manager values:
      // beside the references it may hold only the JSON keys and the registry.
      const literals = [
        ...v.replace(/data\.aws_secretsmanager_secret_version\.[^.]+\.secret_string/g, '').matchAll(/"([^"]*)"/g),
      ].map((m) => m[1]);
      expect(v).toMatch(/^\$\{(jsonencode\(.*|data\.aws_secretsmanager_secret_version\.[^.]+\.secret_string)\}$/);
      expect(v).toContain('data.aws_secretsmanager_secret_version.');
      for (const l of literals) expect(['auths', 'ghcr.io', 'username', 'password', 'auth', ':']).toContain(l);
    }
  });

  it.each(ENV_NAMES)('%s: scanning the whole stack finds no secret-shaped literal', (name) => {
    expect(findSecretLiterals(JSON.parse(synthString(name)))).toEqual([]);
  });

  it('the scan finds a planted literal (so it can fail)', () => {
    const planted = {
      resource: {
        kubernetes_secret_v1: { s: { data: { 'database-url': 'postgresql://mls:hunter2@db:5432/mls' } } },
        x: { y: { password: 'hunter2', webhook: 'https://hooks.slack.com/services/T0/B0/XYZ' } },
      },
    };
    expect(findSecretLiterals(planted)).toEqual([
      '.resource.kubernetes_secret_v1.s.data.database-url: a connection string with credentials',
      '.resource.x.y.password: a literal under a sensitive key',
      '.resource.x.y.webhook: a Slack webhook',
      '.resource.x.y.webhook: a literal under a sensitive key',
    ]);
  });

  it('rolls pods on a new secret version through a checksum of version ids, never of values', () => {
    const json = synthJson('production');
    for (const colour of ['blue', 'green']) {
      const annotations = resourceNamed(json, 'kubernetes_deployment_v1', `mls-server-${colour}`).spec.template.metadata
        .annotations;
      expect(annotations['checksum/secrets']).toMatch(
        /^\$\{sha256\(join\(",", \[(data\.aws_secretsmanager_secret_version\.[^.]+\.version_id(, )?){3}\]\)\)\}$/,
      );
      expect(annotations['checksum/secrets']).not.toContain('secret_string');
    }
  });
});
