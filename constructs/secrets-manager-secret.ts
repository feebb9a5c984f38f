import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { managedLabels } from '../core/labels';

export interface SecretsManagerSecretProps {
  /** Kubernetes Secret name. */
  readonly name: string;
  readonly namespace: string;
  /** Secret key → AWS Secrets Manager secret id (name or ARN) whose current string is the value. */
  readonly keys: Readonly<Record<string, string>>;
  /** Non-secret values stored beside them (a user name, say). @default none */
  readonly plainData?: Readonly<Record<string, string>>;
  /** Labels for the Secret. @default the managed-by label */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A Kubernetes Secret whose values are read from AWS Secrets Manager at plan
 * time. The synthesized configuration holds only references, never a value;
 * the values live in Terraform state, which must be encrypted and private.
 */
export class SecretsManagerSecret extends Construct {
  /** Resolved Secret name (a reference, so dependants wait for the Secret). */
  public readonly secretName: string;
  /**
   * A hash of the secrets' version ids (never the values). As a pod
   * annotation it rolls the pods when any secret gets a new version.
   */
  public readonly versionChecksum: string;
  /** The Secret resource, for dependencies. */
  public readonly secret: SecretV1;

  constructor(scope: Construct, id: string, props: SecretsManagerSecretProps) {
    super(scope, id);
    const keys = Object.keys(props.keys).sort();
    const versions = keys.map(
      (key) => new DataAwsSecretsmanagerSecretVersion(this, `version-${key}`, { secretId: props.keys[key]! }),
    );
    const secret = (this.secret = new SecretV1(this, 'secret', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...managedLabels(), ...props.labels } },
      type: 'Opaque',
      data: { ...props.plainData, ...Object.fromEntries(keys.map((key, i) => [key, versions[i]!.secretString])) },
    }));
    this.secretName = secret.metadata.name;
    this.versionChecksum = Fn.sha256(
      Fn.join(
        ',',
        versions.map((v) => v.versionId),
      ),
    );
  }
}
