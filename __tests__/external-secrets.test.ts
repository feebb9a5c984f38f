/**
 * Secrets never pass through Terraform: over every synthesized stack, no
 * type that reads or holds a secret value; External Secrets Operator's role
 * reads exactly the ids the environment file names; every Secret a pod, a
 * job or a chart reads is produced by an ExternalSecret with the same name
 * and keys; and the Secrets Terraform created before are forgotten, never
 * destroyed. Each check is shown failing on a planted defect.
 */
import { Testing } from 'cdktf';
import { EXAMPLE_ENVIRONMENTS } from '../environments/examples/two-services';
import { Environment, validateAll } from '../environments/validate';
import { terraformSecretPaths } from '../features/secrets/migration';
import { EnvironmentStack } from '../stacks/environment-stack';
import { ENV_NAMES, SynthJson, environment, synthJson } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Types that read a secret's value into Terraform (and so into state and plans). */
const VALUE_READING_DATA = [
  'aws_secretsmanager_secret_version',
  'aws_secretsmanager_random_password',
  'aws_ssm_parameter',
  'aws_ssm_parameters_by_path',
  'aws_kms_secret',
  'aws_kms_secrets',
  'kubernetes_secret',
  'kubernetes_secret_v1',
];
const VALUE_HOLDING_RESOURCES = ['aws_secretsmanager_secret_version', 'aws_ssm_parameter'];

/** What in a stack reads or holds a secret value, as `type.id` lines. */
function valueProblems(json: SynthJson): string[] {
  const data = Object.entries(json.data ?? {}).flatMap(([type, byId]) =>
    VALUE_READING_DATA.includes(type) ? Object.keys(byId).map((id) => `data.${type}.${id}: reads a secret value`) : [],
  );
  const resources = Object.entries(json.resource).flatMap(([type, byId]) =>
    Object.entries(byId).flatMap(([id, body]: [string, any]) => {
      if (VALUE_HOLDING_RESOURCES.includes(type)) return [`${type}.${id}: holds a secret value`];
      if (/^kubernetes_secret(_v1)?$/.test(type) && (body.data || body.binary_data)) {
        return [`${type}.${id}: a Secret with data in Terraform`];
      }
      return [];
    }),
  );
  return [...data, ...resources];
}

/** The Secrets Manager ids an environment file names. */
function secretIds(env: Environment): string[] {
  return [
    ...env.services.flatMap((s) => [
      ...Object.values(s.secret?.keys ?? {}).map((k) => k.awsSecretId),
      ...(s.imagePullSecret ? [s.imagePullSecret.awsSecretId] : []),
    ]),
    ...(env.monitoring.enabled ? [env.monitoring.grafanaAdminSecretId, env.monitoring.slackWebhookSecretId] : []),
  ].sort();
}

/** Where ESO's role may read, as secret ids (through the metadata data sources); problems for anything else. */
function esoReads(json: SynthJson): { ids: string[]; problems: string[] } {
  const doc = Object.entries<any>(json.data?.aws_iam_policy_document ?? {}).find(([id]) =>
    id.startsWith('external-secrets_role_permissions'),
  )?.[1];
  if (!doc) return { ids: [], problems: ['no policy for the ESO role'] };
  const problems: string[] = [];
  const ids = doc.statement.flatMap((st: any) => {
    if (JSON.stringify(st.actions) !== '["secretsmanager:GetSecretValue"]') problems.push(`actions ${st.actions}`);
    return st.resources.map((r: string) => {
      const id = /^\$\{data\.aws_secretsmanager_secret_versions\.([^.]+)\.arn\}$/.exec(r)?.[1];
      if (!id) {
        problems.push(`resource ${r} is not a secret's ARN`);
        return r;
      }
      return json.data!.aws_secretsmanager_secret_versions![id].secret_id;
    });
  });
  return { ids: ids.sort(), problems };
}

/** The ExternalSecrets a stack declares: `namespace/name` → the keys of the Secret ESO writes. */
function produced(json: SynthJson): Map<string, Set<string>> {
  const config = Object.values<any>(json.resource.helm_release ?? {}).find((r) => r.name === 'external-secrets-config');
  const out = new Map<string, Set<string>>();
  for (const es of JSON.parse(config.values[0]).externalSecrets) {
    const keys = [
      ...(es.templateMergePolicy === 'Replace' ? [] : es.data.map((d: any) => d.secretKey)),
      ...Object.keys(es.template ?? {}),
    ];
    out.set(`${es.namespace}/${es.name}`, new Set(keys));
  }
  return out;
}

/** Every Secret (and key) a workload or chart reads, as `namespace/name[key]`. */
function consumed(json: SynthJson): { secret: string; key?: string; by: string }[] {
  const nsName = (ref: string) => {
    const id = /^\$\{kubernetes_namespace_v1\.([^.]+)\./.exec(ref)?.[1];
    return id ? json.resource.kubernetes_namespace_v1![id].metadata.name : ref;
  };
  const out: { secret: string; key?: string; by: string }[] = [];
  const pods: [string, any, any][] = [
    ...Object.entries<any>(json.resource.kubernetes_deployment_v1 ?? {}).map(([id, d]): [string, any, any] => [
      id,
      d.metadata,
      d.spec.template.spec,
    ]),
    ...Object.entries<any>(json.resource.kubernetes_cron_job_v1 ?? {}).map(([id, c]): [string, any, any] => [
      id,
      c.metadata,
      c.spec.job_template.spec.template.spec,
    ]),
  ];
  for (const [by, metadata, spec] of pods) {
    const ns = nsName(metadata.namespace);
    for (const c of [...(spec.container ?? []), ...(spec.init_container ?? [])]) {
      for (const e of c.env ?? []) {
        const ref = e.value_from?.secret_key_ref;
        if (ref) out.push({ secret: `${ns}/${ref.name}`, key: ref.key, by });
      }
    }
    for (const p of spec.image_pull_secrets ?? [])
      out.push({ secret: `${ns}/${p.name}`, key: '.dockerconfigjson', by });
  }
  const kps = Object.values<any>(json.resource.helm_release ?? {}).find((r) => r.name === 'kube-prometheus-stack');
  if (kps) {
    const v = JSON.parse(kps.values[0]);
    const ns = nsName(kps.namespace);
    const admin = v.grafana.admin;
    out.push({ secret: `${ns}/${admin.existingSecret}`, key: admin.userKey, by: 'grafana' });
    out.push({ secret: `${ns}/${admin.existingSecret}`, key: admin.passwordKey, by: 'grafana' });
    for (const name of v.alertmanager.alertmanagerSpec.secrets) {
      const files = JSON.stringify(v.alertmanager.config).match(
        new RegExp(`/etc/alertmanager/secrets/${name}/([^"]+)`, 'g'),
      );
      for (const f of files ?? []) out.push({ secret: `${ns}/${name}`, key: f.split('/').pop(), by: 'alertmanager' });
    }
  }
  return out;
}

/** Each read Secret or key that no ExternalSecret produces. */
function consumerProblems(json: SynthJson): string[] {
  const made = produced(json);
  const problems = consumed(json).flatMap(({ secret, key, by }) => {
    const keys = made.get(secret);
    if (!keys) return [`${by} reads ${secret}, which no ExternalSecret produces`];
    return key && !keys.has(key) ? [`${by} reads ${secret}[${key}], which its ExternalSecret does not produce`] : [];
  });
  return [...new Set(problems)];
}

const stacks: [string, SynthJson, Environment][] = [
  ...ENV_NAMES.map((name): [string, SynthJson, Environment] => [name, synthJson(name), environment(name)]),
  ...validateAll(EXAMPLE_ENVIRONMENTS).map((env): [string, SynthJson, Environment] => [
    env.name,
    JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), env))),
    env,
  ]),
];

describe.each(stacks)('%s', (_name, json, env) => {
  it('has nothing that reads or holds a secret value', () => {
    expect(valueProblems(json)).toEqual([]);
  });

  it('lets ESO read exactly the secret ids the environment file names, and only read them', () => {
    const reads = esoReads(json);
    expect(reads.problems).toEqual([]);
    expect(reads.ids).toEqual([...new Set(secretIds(env))].sort());
  });

  it('produces every Secret, with every key, that a pod, a job or a chart reads', () => {
    expect(consumed(json).length).toBeGreaterThan(0);
    expect(consumerProblems(json)).toEqual([]);
  });

  it('forgets the Secrets Terraform created before, and destroys none', () => {
    expect((json as any).removed).toEqual(
      terraformSecretPaths(env).map(() => ({
        from: expect.stringMatching(/^kubernetes_secret_v1\./),
        lifecycle: { destroy: false },
      })),
    );
  });
});

describe('the checks catch what they are for', () => {
  const json = () => structuredClone(synthJson('production'));

  it('a Secret filled from a data source', () => {
    const planted = json();
    planted.data!.aws_secretsmanager_secret_version = { v: { secret_id: 'x' } };
    planted.resource.kubernetes_secret_v1 = { s: { metadata: { name: 's' }, data: { k: '${data.x.y}' } } };
    expect(valueProblems(planted)).toEqual([
      'data.aws_secretsmanager_secret_version.v: reads a secret value',
      'kubernetes_secret_v1.s: a Secret with data in Terraform',
    ]);
  });

  it('an extra secret in ESO’s policy', () => {
    const planted = json();
    const doc = Object.entries<any>(planted.data!.aws_iam_policy_document!).find(([id]) =>
      id.startsWith('external-secrets_role_permissions'),
    )![1];
    planted.data!.aws_secretsmanager_secret_versions!.extra = { secret_id: 'billing/production/stripe-key' };
    doc.statement[0].resources.push('${data.aws_secretsmanager_secret_versions.extra.arn}');
    expect(esoReads(planted).ids).not.toEqual(secretIds(environment('production')));
    expect(esoReads(planted).ids).toContain('billing/production/stripe-key');
    doc.statement[0].resources.push('*');
    expect(esoReads(planted).problems).toEqual(["resource * is not a secret's ARN"]);
  });

  it('a key a consumer reads that its ExternalSecret does not produce', () => {
    const planted = json();
    const config = Object.values<any>(planted.resource.helm_release!).find((r) => r.name === 'external-secrets-config');
    const values = JSON.parse(config.values[0]);
    const secrets = values.externalSecrets.find((e: any) => e.name === 'mls-secrets');
    secrets.data = secrets.data.filter((d: any) => d.secretKey !== 'jwt-secret');
    values.externalSecrets = values.externalSecrets.filter((e: any) => e.name !== 'alertmanager-slack');
    config.values[0] = JSON.stringify(values);
    expect(consumerProblems(planted).sort()).toEqual([
      'alertmanager reads monitoring/alertmanager-slack, which no ExternalSecret produces',
      expect.stringMatching(
        /^mls-server_blue_deployment_.* reads production\/mls-secrets\[jwt-secret\], which its ExternalSecret does not produce$/,
      ),
      expect.stringMatching(
        /^mls-server_green_deployment_.* reads production\/mls-secrets\[jwt-secret\], which its ExternalSecret does not produce$/,
      ),
    ]);
  });
});

describe('the migration from Terraform’s Secrets', () => {
  it('forgets exactly the addresses production’s state holds today', () => {
    expect((synthJson('production') as any).removed.map((r: any) => r.from)).toEqual([
      'kubernetes_secret_v1.mls-server-secrets_secret_9B729C5D',
      'kubernetes_secret_v1.mls-server-registry_secret_C1AFFCF0',
      'kubernetes_secret_v1.monitoring_grafana-admin_secret_6D8235AA',
      'kubernetes_secret_v1.monitoring_slack_secret_9F01B05F',
    ]);
  });

  it('names a Secret shared by two services once, by the first that named it', () => {
    expect(
      terraformSecretPaths({
        services: [
          { name: 'a', secret: { name: 'shared' } },
          { name: 'b', secret: { name: 'shared' }, imagePullSecret: {} },
        ],
        monitoring: { enabled: false },
      }),
    ).toEqual([
      ['a-secrets', 'secret'],
      ['b-registry', 'secret'],
    ]);
  });
});

describe('ESO itself', () => {
  const json = synthJson('production');
  const release = (name: string) => Object.values<any>(json.resource.helm_release!).find((r) => r.name === name);

  it('installs the pinned chart in a restricted namespace, with the role on its service account', () => {
    const operator = release('external-secrets');
    expect(operator).toMatchObject({
      chart: 'external-secrets',
      repository: 'https://charts.external-secrets.io',
      version: '2.9.0',
    });
    const v = JSON.parse(operator.values[0]);
    expect(v.serviceAccount).toEqual({
      name: 'external-secrets',
      annotations: { 'eks.amazonaws.com/role-arn': expect.stringMatching(/^\$\{aws_iam_role\.external-secrets_role_/) },
    });
    expect(v).toMatchObject({
      processClusterExternalSecret: false,
      processSecretStore: false,
      processPushSecret: false,
    });
    const ns = Object.values<any>(json.resource.kubernetes_namespace_v1!).find(
      (n) => n.metadata.name === 'external-secrets',
    );
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('serves only the namespaces that consume secrets, from one ClusterSecretStore', () => {
    const v = JSON.parse(release('external-secrets-config').values[0]);
    expect(v.store).toEqual({
      name: 'aws-secrets-manager',
      region: 'us-east-1',
      namespaces: ['production', 'monitoring'],
    });
    // The declarations wait for those namespaces.
    expect(release('external-secrets-config').depends_on).toEqual([
      expect.stringMatching(/^helm_release\.external-secrets_operator_/),
      'kubernetes_namespace_v1.service-namespace_DF13CA93',
      'kubernetes_namespace_v1.monitoring-namespace_58AE204B',
    ]);
    expect(v.refreshInterval).toBe('15m');
  });

  it('trusts exactly its controller’s service account', () => {
    const trust = Object.entries<any>(json.data!.aws_iam_policy_document!).find(([id]) =>
      id.startsWith('external-secrets_role_trust'),
    )![1];
    expect(trust.statement[0].condition).toContainEqual({
      test: 'StringEquals',
      variable: expect.stringMatching(/:sub$/),
      values: ['system:serviceaccount:external-secrets:external-secrets'],
    });
  });

  it('rolls the pods when a secret behind them gets a new current version, and makes ESO read it at once', () => {
    const deployment = Object.values<any>(json.resource.kubernetes_deployment_v1!).find(
      (d) => d.metadata.name === 'mls-server-blue',
    );
    const checksum = deployment.spec.template.metadata.annotations['checksum/secrets'];
    const local = /^\$\{local\.([^}]+)\}$/.exec(checksum)![1]!;
    // Only the current version ids of the Secret's three secrets: never a value.
    expect((json as any).locals[local]).toMatch(
      /^\$\{sha256\(jsonencode\(\[(\[for v in data\.aws_secretsmanager_secret_versions\.[^.]+\.versions : v\.version_id if contains\(v\.version_stages, "AWSCURRENT"\)\](, )?){3}\]\)\)\}$/,
    );
    const v = JSON.parse(release('external-secrets-config').values[0]);
    expect(v.externalSecrets.find((e: any) => e.name === 'mls-secrets').forceSync).toBe(checksum);
  });
});
