/**
 * The environment's secrets: External Secrets Operator, its store limited to
 * the namespaces that consume secrets, and the migration from the Secrets
 * Terraform used to fill.
 */
import { TerraformStack } from 'cdktf';
import type { Namespace } from '../namespace/namespace';
import { ExternalSecrets } from './external-secrets';
import { forgetTerraformSecrets } from './migration';

interface SecretsSettings {
  readonly name: string;
  readonly protect: boolean;
  readonly aws: { readonly region: string };
  readonly kubernetes: { readonly oidcProviderArn: string };
  readonly services: readonly {
    readonly name: string;
    readonly secret?: { readonly name: string };
    readonly imagePullSecret?: object;
  }[];
  readonly monitoring: { readonly enabled: boolean };
}

export function addExternalSecrets(
  stack: TerraformStack,
  env: SecretsSettings,
  /** The namespaces whose Secrets ESO fills (the store waits for them). */
  consumerNamespaces: readonly (Namespace | undefined)[],
): ExternalSecrets {
  forgetTerraformSecrets(stack, env);
  return new ExternalSecrets(stack, 'external-secrets', {
    environment: env.name,
    consumerNamespaces: consumerNamespaces.filter((n): n is Namespace => n !== undefined),
    region: env.aws.region,
    oidcProviderArn: env.kubernetes.oidcProviderArn,
    protect: env.protect,
  });
}
