/**
 * What the stacks assume a cluster and an AWS account already have, put in
 * place by the test (never by the stacks): ingress-nginx's IngressClass,
 * cert-manager's CRDs and the ClusterIssuers the environment files name,
 * volumes for the PersistentVolumeClaims (no storage provisioner runs
 * here), and in moto the database, the secrets and the OIDC provider.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../../environments/validate';
import type { Kube } from './kube';
import { ROOT } from '../../environments/root';

/** A minimal cluster-scoped CRD of cert-manager's, enough to hold ClusterIssuers. */
function certManagerCrd(kind: string, plural: string, scope: 'Cluster' | 'Namespaced'): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.cert-manager.io` },
    spec: {
      group: 'cert-manager.io',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      scope,
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

/** Volumes the PVC of any chart can bind to (Prometheus, Grafana, Loki, Alertmanager). */
const VOLUMES = 8;

export async function clusterFixtures(kube: Kube, envs: readonly Environment[]): Promise<void> {
  await kube.ensure('/apis/networking.k8s.io/v1/ingressclasses', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'nginx' },
    spec: { controller: 'k8s.io/ingress-nginx' },
  });
  for (const ns of new Set(envs.map((e) => e.ingressNamespace))) {
    await kube.ensure('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  await kube.ensure(
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    certManagerCrd('ClusterIssuer', 'clusterissuers', 'Cluster'),
  );
  await kube.ensure(
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    certManagerCrd('Certificate', 'certificates', 'Namespaced'),
  );
  const issuers = new Set(envs.flatMap((e) => e.services.flatMap((s) => (s.ingress ? [s.ingress.clusterIssuer] : []))));
  for (const issuer of issuers) {
    await ensureEventually(kube, '/apis/cert-manager.io/v1/clusterissuers', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: issuer },
      spec: { acme: { server: 'https://acme.invalid/directory', privateKeySecretRef: { name: issuer } } },
    });
  }
  for (let i = 0; i < VOLUMES; i++) {
    await kube.ensure('/api/v1/persistentvolumes', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `local-${i}` },
      spec: {
        capacity: { storage: '500Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: `/tmp/cluster-test-volume-${i}` },
      },
    });
  }
}

/** A CRD's first objects are refused until the API server serves the new type: retry briefly. */
async function ensureEventually(kube: Kube, path: string, object: object): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await kube.ensure(path, object);
    } catch (e) {
      if (i > 40) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The Secrets Manager ids an environment names, with a value of the shape its consumer reads. */
export function secretValues(env: Environment): Record<string, string> {
  const values: Record<string, string> = {};
  for (const svc of env.services) {
    for (const [key, k] of Object.entries(svc.secret?.keys ?? {})) values[k.awsSecretId] = `test-${key}`;
    if (svc.imagePullSecret) {
      values[svc.imagePullSecret.awsSecretId] = JSON.stringify({ username: 'test', password: 'test-token' });
    }
  }
  if (env.monitoring.enabled) {
    values[env.monitoring.grafanaAdminSecretId] = 'test-admin-password';
    values[env.monitoring.slackWebhookSecretId] = 'https://hooks.slack.invalid/services/test';
  }
  return values;
}

/** The database, secrets and OIDC provider of `env`, created in moto. */
export function awsFixtures(python: string, moto: string, env: Environment, dir: string): void {
  const spec = {
    region: env.aws.region,
    databases: [env.database.instanceIdentifier],
    secrets: secretValues(env),
    oidcProviders: [env.kubernetes.oidcProviderArn.replace(/^.*:oidc-provider\//, '')],
    // The state bucket, for runs that keep the stacks' S3 backend (on moto).
    buckets: [env.stateBackend.bucket],
  };
  const file = join(dir, `aws-fixtures-${env.name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  execFileSync(python, [join(ROOT, 'tooling', 'cluster', 'aws_fixtures.py'), moto, file], { stdio: 'pipe' });
}
