/**
 * Things two environments must never share, checked across all of them:
 * a namespace on one cluster (kube context), a host, a bucket name, a
 * Secrets Manager id, a state file. Sharing one would let a deploy of one
 * environment overwrite or read the other's.
 */
import type { ConfigIssue } from '../core/errors';
import type { EnvironmentSettings } from './schema';

interface Claim {
  /** What is claimed, e.g. 'host "mls.catbird.blue"'. */
  readonly what: string;
  /** The field that claims it. */
  readonly path: string;
}

/** Everything one environment claims for itself. */
function claims(env: EnvironmentSettings): Claim[] {
  const out: Claim[] = [];
  const ctx = env.kubernetes.context;
  out.push({ what: `namespace "${env.namespace}" in kube context "${ctx}"`, path: 'namespace' });
  if (env.monitoring.enabled) {
    out.push({
      what: `namespace "${env.monitoringNamespace}" in kube context "${ctx}"`,
      path: 'monitoringNamespace',
    });
  }
  env.services.forEach((svc, i) => {
    if (svc.ingress) {
      out.push({ what: `host "${svc.ingress.host}"`, path: `services[${i}].ingress.host` });
      out.push({ what: `host "${svc.ingress.previewHost}"`, path: `services[${i}].ingress.previewHost` });
    }
    for (const [key, k] of Object.entries(svc.secret?.keys ?? {})) {
      out.push({
        what: `Secrets Manager id "${k.awsSecretId}"`,
        path: `services[${i}].secret.keys.${key}.awsSecretId`,
      });
    }
    if (svc.imagePullSecret) {
      out.push({
        what: `Secrets Manager id "${svc.imagePullSecret.awsSecretId}"`,
        path: `services[${i}].imagePullSecret.awsSecretId`,
      });
    }
  });
  if (env.monitoring.grafanaHost)
    out.push({ what: `host "${env.monitoring.grafanaHost}"`, path: 'monitoring.grafanaHost' });
  out.push({ what: `bucket "${env.backups.bucketName}"`, path: 'backups.bucketName' });
  if (env.backups.accessLogging) {
    out.push({ what: `bucket "${env.backups.bucketName}-logs"`, path: 'backups.bucketName (its -logs bucket)' });
  }
  if (env.monitoring.loki?.s3BucketName) {
    out.push({ what: `bucket "${env.monitoring.loki?.s3BucketName}"`, path: 'monitoring.loki.s3BucketName' });
  }
  if (env.monitoring.enabled) {
    out.push({
      what: `Secrets Manager id "${env.monitoring.grafanaAdminSecretId}"`,
      path: 'monitoring.grafanaAdminSecretId',
    });
    out.push({
      what: `Secrets Manager id "${env.monitoring.slackWebhookSecretId}"`,
      path: 'monitoring.slackWebhookSecretId',
    });
  }
  const state = env.stateBackend;
  out.push({
    what: `state file s3://${state.bucket}/${state.key ?? `${env.name}/terraform.tfstate`}`,
    path: 'stateBackend',
  });
  return out;
}

/** Issues for every claim an environment shares with an earlier one (or with itself). */
export function sharedClaims(envs: readonly EnvironmentSettings[]): ConfigIssue[] {
  const owners = new Map<string, { env: string; path: string }>();
  const issues: ConfigIssue[] = [];
  for (const env of envs) {
    for (const claim of claims(env)) {
      const owner = owners.get(claim.what);
      // Within one environment only hosts must differ: two services may
      // share a Secrets Manager id (a shared Secret, one registry token).
      if (owner && (owner.env !== env.name || claim.what.startsWith('host '))) {
        const by = owner.env === env.name ? owner.path : `environment "${owner.env}" (${owner.path})`;
        issues.push({ environment: env.name, path: claim.path, message: `${claim.what} is also used by ${by}` });
      } else if (!owner) {
        owners.set(claim.what, { env: env.name, path: claim.path });
      }
    }
  }
  return issues;
}
