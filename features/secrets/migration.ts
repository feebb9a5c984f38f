/**
 * The move from Secrets that Terraform filled to ExternalSecrets, without
 * downtime or loss: Terraform forgets the Secrets it created (a `removed`
 * block with `destroy = false`, Terraform ≥ 1.7; cdktf 0.21 has no construct
 * for it), and ESO adopts them (`creationPolicy: Owner` takes a Secret that
 * has no owner). The addresses are the ones the earlier constructs had:
 * `<service>-secrets/secret` (once per Secret name, by the first service
 * that named it), `<service>-registry/secret`, `monitoring/grafana-admin/secret`
 * and `monitoring/slack/secret`. A `removed` block for an address that was
 * never in the state does nothing.
 */
import { TerraformStack } from 'cdktf';
import { makeUniqueId } from 'cdktf/lib/private/unique';

interface MigratedSettings {
  readonly services: readonly {
    readonly name: string;
    readonly secret?: { readonly name: string };
    readonly imagePullSecret?: object;
  }[];
  readonly monitoring: { readonly enabled: boolean };
}

/** The construct paths (below the stack) of the Secrets Terraform created before ESO. */
export function terraformSecretPaths(env: MigratedSettings): string[][] {
  const paths: string[][] = [];
  const named = new Set<string>();
  for (const svc of env.services) {
    if (svc.secret && !named.has(svc.secret.name)) {
      named.add(svc.secret.name);
      paths.push([`${svc.name}-secrets`, 'secret']);
    }
    if (svc.imagePullSecret) paths.push([`${svc.name}-registry`, 'secret']);
  }
  if (env.monitoring.enabled) paths.push(['monitoring', 'grafana-admin', 'secret'], ['monitoring', 'slack', 'secret']);
  return paths;
}

/** Adds the `removed` blocks: Terraform stops managing those Secrets and leaves them in the cluster. */
export function forgetTerraformSecrets(stack: TerraformStack, env: MigratedSettings): void {
  const removed = terraformSecretPaths(env).map((path) => ({
    from: `kubernetes_secret_v1.${makeUniqueId(path)}`,
    lifecycle: { destroy: false },
  }));
  if (removed.length > 0) stack.addOverride('removed', removed);
}
