import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { BlueGreenService } from '../constructs/blue-green-service';
import { Namespace } from '../constructs/namespace';
import { NamespaceNetworkPolicies } from '../constructs/network-policies';
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
  /** The blue/green services, by name. */
  public readonly services: Record<string, BlueGreenService> = {};

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
    this.addServices(env);
  }

  private addServices(env: Environment): void {
    const namespace = this.serviceNamespace.namespaceName;
    for (const svc of env.services) {
      const release = env.release.services[svc.name]!;
      this.services[svc.name] = new BlueGreenService(this, svc.name, {
        service: svc.name,
        namespace,
        partOf: 'mls',
        live: release.live,
        blue: release.blue,
        green: release.green,
        fullReplicas: svc.replicas,
        containerPort: svc.containerPort,
        servicePort: svc.servicePort,
        health: svc.health,
        resources: svc.resources,
        env: svc.env,
        secretEnv: svc.secret && {
          secretName: svc.secret.name,
          keys: Object.fromEntries(Object.entries(svc.secret.keys).map(([key, k]) => [k.env, key])),
        },
        autoscaling: svc.autoscaling,
        ingress: svc.ingress,
      });
    }
    new NamespaceNetworkPolicies(this, 'network-policies', {
      namespace,
      ingressNamespace: env.ingressNamespace,
      monitoringNamespace: env.monitoringNamespace,
      services: env.services.map((svc) => ({ app: svc.name, port: svc.containerPort })),
      egress: [
        { name: 'database', cidrs: env.database.cidrs, port: env.database.port },
        { name: 'redis', cidrs: env.redis.cidrs, port: env.redis.port },
      ],
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
