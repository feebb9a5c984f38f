/**
 * Things two environments must never share, checked across all of them:
 * a namespace on one cluster (kube context), a host, a bucket name, a
 * Secrets Manager secret (by name, however it is written), a state file.
 * Sharing one would let a deploy of one environment overwrite or read the
 * other's. Within one environment, a host or a bucket is also claimed once:
 * the backup bucket may not be Loki's (Loki's role would read and delete
 * the dumps) nor the state bucket (the stack would own it, its lifecycle
 * rules and its destroy). State buckets alone are shared, by key.
 */
import type { ConfigIssue } from '../core/errors';
import type { EnvironmentSettings } from './schema';
import { accessLogBucketName, stateKey } from '../core/names';

interface Claim {
  /** What is claimed, e.g. 'host "mls.catbird.blue"'. */
  readonly what: string;
  /** The field that claims it. */
  readonly path: string;
  /** What two claims must differ in. @default what */
  readonly key?: string;
  /**
   * `secret`: claims of one environment may share it (a shared Secret, one
   * registry token). `state`: state buckets hold every environment's state,
   * each under its own key. @default never shared
   */
  readonly shares?: 'secret' | 'state';
}

/**
 * The name of the secret an id names: a full ARN
 * (`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`)
 * names the same secret as its name.
 */
export function secretName(id: string): string {
  const arn = /^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(id);
  return arn ? arn[1]! : id;
}

const secretClaim = (id: string, path: string): Claim => ({
  what: `Secrets Manager id "${id}"`,
  path,
  key: `secret "${secretName(id)}"`,
  shares: 'secret',
});

/** Everything one environment claims for itself. */
function claims(env: EnvironmentSettings): Claim[] {
  // The state bucket first: a data bucket that is also it is reported at the data bucket's field.
  const out: Claim[] = [
    {
      what: `bucket "${env.stateBackend.bucket}"`,
      path: 'stateBackend.bucket (the Terraform state bucket)',
      shares: 'state',
    },
  ];
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
      out.push(secretClaim(k.awsSecretId, `services[${i}].secret.keys.${key}.awsSecretId`));
    }
    if (svc.imagePullSecret) {
      out.push(secretClaim(svc.imagePullSecret.awsSecretId, `services[${i}].imagePullSecret.awsSecretId`));
    }
  });
  if (env.monitoring.grafanaHost)
    out.push({ what: `host "${env.monitoring.grafanaHost}"`, path: 'monitoring.grafanaHost' });
  out.push({ what: `bucket "${env.backups.bucketName}"`, path: 'backups.bucketName' });
  if (env.backups.accessLogging) {
    out.push({
      what: `bucket "${accessLogBucketName(env.backups.bucketName)}"`,
      path: 'backups.bucketName (its -logs bucket)',
    });
  }
  if (env.monitoring.loki?.s3BucketName) {
    out.push({ what: `bucket "${env.monitoring.loki?.s3BucketName}"`, path: 'monitoring.loki.s3BucketName' });
  }
  if (env.monitoring.enabled) {
    out.push(secretClaim(env.monitoring.grafanaAdminSecretId, 'monitoring.grafanaAdminSecretId'));
    out.push(secretClaim(env.monitoring.slackWebhookSecretId, 'monitoring.slackWebhookSecretId'));
  }
  const state = env.stateBackend;
  out.push({
    what: `state file s3://${state.bucket}/${stateKey(env.name, state.key)}`,
    path: 'stateBackend',
  });
  return out;
}

/** Whether two claims of the same thing may stand together. */
const mayShare = (a: Claim & { env: string }, b: Claim, env: string): boolean =>
  (a.shares === 'state' && b.shares === 'state') || (a.shares === 'secret' && b.shares === 'secret' && a.env === env);

/** Issues for every claim an environment shares with an earlier one (or with itself). */
export function sharedClaims(envs: readonly EnvironmentSettings[]): ConfigIssue[] {
  const owners = new Map<string, Claim & { env: string }>();
  const issues: ConfigIssue[] = [];
  for (const env of envs) {
    for (const claim of claims(env)) {
      const key = claim.key ?? claim.what;
      const owner = owners.get(key);
      if (owner && !mayShare(owner, claim, env.name)) {
        const by = owner.env === env.name ? owner.path : `environment "${owner.env}" (${owner.path})`;
        const same = owner.what === claim.what ? '' : ` (the same secret as ${owner.what})`;
        issues.push({ environment: env.name, path: claim.path, message: `${claim.what}${same} is also used by ${by}` });
      } else if (!owner) {
        owners.set(key, { ...claim, env: env.name });
      }
    }
  }
  return issues;
}
