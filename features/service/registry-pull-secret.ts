/**
 * A `kubernetes.io/dockerconfigjson` Secret for one registry, as an
 * ExternalSecret: ESO builds it from a Secrets Manager secret whose string is
 * `{"username": "...", "password": "..."}` (for ghcr.io, a token with
 * read:packages as the password). Terraform never sees the credentials.
 */
import type { ExternalSecretSpec } from '../secrets/external-secrets';

export interface RegistryPullSecretProps {
  /** Kubernetes Secret name. */
  readonly name: string;
  /** Namespace, by name. */
  readonly namespace: string;
  /** Registry host the credentials are for, e.g. 'ghcr.io'. */
  readonly registry: string;
  /** AWS Secrets Manager secret id of the credentials. */
  readonly awsSecretId: string;
}

/** The ExternalSecret of a pull secret: two properties, one templated key (values JSON-quoted, so any character is safe). */
export function registryPullSecret(props: RegistryPullSecretProps): ExternalSecretSpec {
  const registry = JSON.stringify(props.registry);
  return {
    name: props.name,
    namespace: props.namespace,
    type: 'kubernetes.io/dockerconfigjson',
    data: {
      username: { awsSecretId: props.awsSecretId, property: 'username' },
      password: { awsSecretId: props.awsSecretId, property: 'password' },
    },
    template: {
      '.dockerconfigjson':
        `{"auths":{${registry}:{"username":{{ .username | toJson }},"password":{{ .password | toJson }},` +
        '"auth":{{ printf "%s:%s" .username .password | b64enc | toJson }}}}}',
    },
    replaceData: true,
  };
}
