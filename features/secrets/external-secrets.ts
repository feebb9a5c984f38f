import { DataAwsSecretsmanagerSecretVersions } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-versions';
import { Release } from '@cdktf/provider-helm/lib/release';
import { AssetType, ITerraformDependable, Lazy, TerraformAsset, TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import { managedLabels } from '../../core/labels';
import { EXTERNAL_SECRETS_NAMESPACE } from '../../core/names';
import { helmValues } from '../../constructs/helm-values';
import { IrsaRole } from '../../constructs/irsa-role';
import { Namespace } from '../namespace/namespace';

/** External Secrets Operator's chart, pinned to the archive verified in ../shared/charts. */
export const ESO_CHART = {
  repository: 'https://charts.external-secrets.io',
  chart: 'external-secrets',
  version: '2.9.0',
} as const;

/** The controller's service account (the IRSA role trusts exactly this one). */
const CONTROLLER_SERVICE_ACCOUNT = 'external-secrets';
/** The ClusterSecretStore every ExternalSecret of the environment reads through. */
export const SECRET_STORE = 'aws-secrets-manager';

export interface ExternalSecretsProps {
  /** Environment name: part of the IAM role's name. */
  readonly environment: string;
  /** Namespace ESO runs in (restricted). @default 'external-secrets' */
  readonly namespace?: string;
  /** The only namespaces whose ExternalSecrets the store serves; the declarations wait for them. */
  readonly consumerNamespaces: readonly Pick<Namespace, 'name' | 'resource'>[];
  /** AWS region of the secrets. */
  readonly region: string;
  /** IAM OIDC provider ARN of the cluster (IAM Roles for Service Accounts). */
  readonly oidcProviderArn: string;
  /** How often ESO reads the secrets again. @default '15m' */
  readonly refreshInterval?: string;
  /** Refuse destroy of ESO's namespace. @default false */
  readonly protect?: boolean;
}

/** A value of a Kubernetes Secret: a whole Secrets Manager secret, or one property of a JSON one. */
export interface SecretSource {
  readonly awsSecretId: string;
  /** A key of the secret's JSON string. @default the whole string */
  readonly property?: string;
}

export interface ExternalSecretSpec {
  /** Kubernetes Secret name. */
  readonly name: string;
  /** Its namespace, by name (one of `consumerNamespaces`). */
  readonly namespace: string;
  /** Secret key → where its value lives. */
  readonly data: Readonly<Record<string, SecretSource>>;
  /** Secret type. @default 'Opaque' */
  readonly type?: string;
  /**
   * ESO template data (Go templates over the `data` keys), merged over
   * them: a fixed user name, a dockerconfigjson built from two properties.
   * @default none: the Secret holds the `data` keys as they are
   */
  readonly template?: Readonly<Record<string, string>>;
  /** Template keys replace the data keys instead of joining them. @default false */
  readonly replaceData?: boolean;
}

/** Where a construct declares the Secrets it needs (ExternalSecrets implements it; tests may fake it). */
export interface ISecretStore {
  add(spec: ExternalSecretSpec): ExternalSecretRef;
}

/** What a consumer of an ExternalSecret needs. */
export interface ExternalSecretRef {
  readonly secretName: string;
  readonly keys: readonly string[];
  /**
   * A hash of the current version ids of the secrets behind it (never a
   * value). As a pod annotation it rolls the pods when a secret rotates; as
   * the ExternalSecret's `force-sync` annotation it makes ESO read the new
   * value at once.
   */
  readonly versionChecksum: string;
  /** What a consumer waits for: the release that declares the ExternalSecrets. */
  readonly ready: ITerraformDependable;
}

/**
 * External Secrets Operator for one environment: its namespace (restricted),
 * an IRSA role that may read exactly the secrets registered here, the
 * operator's chart, and one ClusterSecretStore limited to the consumer
 * namespaces, with the ExternalSecrets, as a release of this repository's
 * chart (charts/external-secrets-config, after the operator's chart, which
 * installs the CRDs in the same apply). Terraform reads a secret's metadata
 * (its ARN, its version ids) and never a value.
 */
export class ExternalSecrets extends Construct implements ISecretStore {
  /** The release with the store and the ExternalSecrets. */
  public readonly config: Release;
  private readonly role: IrsaRole;
  private readonly versions = new Map<string, DataAwsSecretsmanagerSecretVersions>();
  private readonly specs: object[] = [];
  private readonly refreshInterval: string;

  constructor(scope: Construct, id: string, props: ExternalSecretsProps) {
    super(scope, id);
    const namespace = props.namespace ?? EXTERNAL_SECRETS_NAMESPACE;
    this.refreshInterval = props.refreshInterval ?? '15m';
    const ns = new Namespace(this, 'namespace', {
      name: namespace,
      protect: props.protect,
      labels: { environment: props.environment },
    });
    this.role = new IrsaRole(this, 'role', {
      roleName: `${props.environment}-external-secrets`,
      description: `External Secrets Operator of ${props.environment}: reads the secrets its environment file names`,
      oidcProviderArn: props.oidcProviderArn,
      // The trust names the namespace literally: it must not wait for the namespace.
      namespace,
      serviceAccount: CONTROLLER_SERVICE_ACCOUNT,
    });
    const operator = this.installOperator(ns.namespaceName);
    this.config = this.declareConfig(props, ns.namespaceName, operator);
  }

  /** The operator's chart: CRDs, controller (with the role), webhook, cert controller. */
  private installOperator(namespace: string): Release {
    return new Release(this, 'operator', {
      dependsOn: [...this.role.grants],
      name: 'external-secrets',
      namespace,
      ...ESO_CHART,
      values: [
        helmValues({
          installCRDs: true,
          serviceAccount: {
            name: CONTROLLER_SERVICE_ACCOUNT,
            annotations: { 'eks.amazonaws.com/role-arn': this.role.roleArn },
          },
          // Only the store below: no SecretStore or ExternalSecret of another namespace's making.
          processClusterExternalSecret: false,
          processSecretStore: false,
          processPushSecret: false,
          processClusterPushSecret: false,
        }),
      ],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: 600,
      maxHistory: 10,
    });
  }

  /** The store and the ExternalSecrets, as a release of this repository's chart, after the operator. */
  private declareConfig(props: ExternalSecretsProps, namespace: string, operator: Release): Release {
    const chart = new TerraformAsset(this, 'config-chart', {
      path: 'charts/external-secrets-config',
      type: AssetType.DIRECTORY,
    });
    return new Release(this, 'config', {
      dependsOn: [operator, ...props.consumerNamespaces.map((n) => n.resource)],
      name: 'external-secrets-config',
      namespace,
      chart: chart.path,
      // Filled at synth, once every consumer has registered its Secret.
      values: [
        Lazy.stringValue({
          produce: () =>
            helmValues({
              labels: managedLabels(),
              store: {
                name: SECRET_STORE,
                region: props.region,
                namespaces: props.consumerNamespaces.map((n) => n.name),
              },
              refreshInterval: this.refreshInterval,
              externalSecrets: this.specs,
            }),
        }),
      ],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: 300,
      maxHistory: 10,
    });
  }

  /** Declares a Secret that ESO fills from Secrets Manager; the role may read its secrets, and nothing else. */
  public add(spec: ExternalSecretSpec): ExternalSecretRef {
    const keys = Object.keys(spec.data).sort();
    const ids = [...new Set(keys.map((k) => spec.data[k]!.awsSecretId))].sort();
    const versions = ids.map((awsSecretId) => this.versionsOf(awsSecretId));
    // The version ids labelled AWSCURRENT, of every secret behind this one.
    const current = versions.map(
      (v) => `[for v in ${v.fqn}.versions : v.version_id if contains(v.version_stages, "AWSCURRENT")]`,
    );
    // A local: the expression quotes a string, which inside the Helm values (JSON in a string) could not be written.
    const versionChecksum = new TerraformLocal(
      this,
      `checksum-${spec.namespace}-${spec.name}`,
      `\${sha256(jsonencode([${current.join(', ')}]))}`,
    ).asString;
    this.specs.push({
      name: spec.name,
      namespace: spec.namespace,
      forceSync: versionChecksum,
      type: spec.type ?? 'Opaque',
      data: keys.map((key) => ({
        secretKey: key,
        remoteRef: { key: spec.data[key]!.awsSecretId, property: spec.data[key]!.property },
      })),
      template: spec.template && { ...spec.template },
      templateMergePolicy: spec.replaceData ? 'Replace' : 'Merge',
    });
    return { secretName: spec.name, keys, versionChecksum, ready: this.config };
  }

  /** The metadata data source of one secret (deduplicated), and the role's read of it. */
  private versionsOf(awsSecretId: string): DataAwsSecretsmanagerSecretVersions {
    const known = this.versions.get(awsSecretId);
    if (known) return known;
    // Named by the secret id, so adding a secret does not rename the others.
    const slug = awsSecretId.replace(/[^A-Za-z0-9]+/g, '-');
    const taken = [...this.versions.keys()].some((known) => known.replace(/[^A-Za-z0-9]+/g, '-') === slug);
    const versions = new DataAwsSecretsmanagerSecretVersions(
      this,
      `versions-${slug}${taken ? `-${this.versions.size}` : ''}`,
      {
        secretId: awsSecretId,
      },
    );
    this.versions.set(awsSecretId, versions);
    this.role.addToPolicy({
      sid: 'ReadTheEnvironmentsSecrets',
      effect: 'Allow',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [versions.arn],
    });
    return versions;
  }
}
