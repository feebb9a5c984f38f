import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { managedLabels } from '../../core/labels';

export interface RegistryPullSecretProps {
  /** Kubernetes Secret name. */
  readonly name: string;
  readonly namespace: string;
  /** Registry host the credentials are for, e.g. 'ghcr.io'. */
  readonly registry: string;
  /**
   * AWS Secrets Manager secret id whose current string is
   * `{"username": "...", "password": "..."}` (for ghcr.io, a token with
   * read:packages as the password).
   */
  readonly awsSecretId: string;
}

/**
 * A `kubernetes.io/dockerconfigjson` Secret for one registry, built at plan
 * time from a Secrets Manager secret: the synthesized configuration holds
 * only the expression, never the credentials.
 */
export class RegistryPullSecret extends Construct {
  /** Resolved Secret name (a reference, so pods wait for the Secret). */
  public readonly secretName: string;

  constructor(scope: Construct, id: string, props: RegistryPullSecretProps) {
    super(scope, id);
    const version = new DataAwsSecretsmanagerSecretVersion(this, 'version', { secretId: props.awsSecretId });
    const credentials = Fn.jsondecode(version.secretString);
    const username = Fn.lookup(credentials, 'username');
    const password = Fn.lookup(credentials, 'password');
    const secret = new SecretV1(this, 'secret', {
      metadata: { name: props.name, namespace: props.namespace, labels: managedLabels() },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': Fn.jsonencode({
          auths: {
            [props.registry]: { username, password, auth: Fn.base64encode(Fn.join(':', [username, password])) },
          },
        }),
      },
    });
    this.secretName = secret.metadata.name;
  }
}
