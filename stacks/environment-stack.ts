import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Namespace } from '../constructs/namespace';
import type { Environment } from '../environments/validate';

/**
 * One environment: providers, state backend and namespaces, then the
 * service, data-protection and monitoring constructs. The only place where
 * environment data meets Terraform.
 */
export class EnvironmentStack extends TerraformStack {
  /** The namespace the services run in. */
  public readonly serviceNamespace: Namespace;
  /** The namespace of the monitoring stack. */
  public readonly monitoringNamespace: Namespace;

  constructor(scope: Construct, env: Environment) {
    super(scope, env.name);
    this.configureBackend(env);
    this.configureProviders(env);

    this.serviceNamespace = new Namespace(this, 'service-namespace', {
      name: env.namespace,
      quota: env.quota,
      limits: env.limitRange,
      protect: env.protect,
      labels: { environment: env.name },
    });
    // node-exporter needs host namespaces and hostPath mounts, which only the
    // privileged level admits; audit and warn at baseline so anything else
    // that needs more than baseline is visible.
    this.monitoringNamespace = new Namespace(this, 'monitoring-namespace', {
      name: env.monitoringNamespace,
      podSecurity: 'privileged',
      podSecurityWarn: 'baseline',
      protect: env.protect,
      labels: { environment: env.name },
    });
  }

  private configureBackend(env: Environment): void {
    const backend = env.stateBackend;
    if (backend.type === 'local') {
      new LocalBackend(this, { path: backend.path ?? `../../../terraform.${env.name}.tfstate` });
      return;
    }
    new S3Backend(this, {
      bucket: backend.bucket,
      key: backend.key ?? `${env.name}/terraform.tfstate`,
      region: backend.region,
      encrypt: true,
    });
    // Terraform ≥ 1.10 locks with a lock file beside the state; cdktf 0.21's
    // S3Backend does not know the field yet.
    this.addOverride('terraform.backend.s3.use_lockfile', true);
  }

  private configureProviders(env: Environment): void {
    new AwsProvider(this, 'aws', {
      region: env.aws.region,
      defaultTags: [{ tags: env.aws.tags }],
    });
    new KubernetesProvider(this, 'kubernetes', {
      configPath: env.kubernetes.configPath,
      configContext: env.kubernetes.context,
    });
    // Helm provider 3.x: `kubernetes` is an attribute object, not a block.
    new HelmProvider(this, 'helm', {
      kubernetes: { configPath: env.kubernetes.configPath, configContext: env.kubernetes.context },
    });
  }
}
