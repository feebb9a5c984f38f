import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { ITerraformDependable, LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { BackupBucket } from '../constructs/backup-bucket';
import { BlueGreenService } from '../constructs/blue-green-service';
import { DatabaseBackupJob } from '../constructs/database-backup-job';
import { DidResponder } from '../constructs/did-responder';
import { LokiStorage } from '../constructs/loki-storage';
import { Monitoring } from '../constructs/monitoring';
import { Namespace } from '../constructs/namespace';
import { NamespaceNetworkPolicies } from '../constructs/network-policies';
import { RegistryPullSecret } from '../constructs/registry-pull-secret';
import { ReleaseSnapshots } from '../constructs/release-snapshots';
import { SecretsManagerSecret } from '../constructs/secrets-manager-secret';
import { COLOURS, Colour } from '../constructs/colours';
import { keptReleases, releaseName } from '../environments/release';
import type { ServiceRelease, ServiceSettings } from '../environments/schema';
import type { Environment } from '../environments/validate';

/** Object name of a service's DID responder. */
const didResponderName = (service: string) => `${service}-did`;

/**
 * One environment: providers, state backend and namespaces, then the
 * service, data-protection and monitoring constructs. The only place where
 * environment data meets Terraform.
 */
export interface EnvironmentStackOptions {
  /**
   * Keep state in `terraform.<env>.tfstate` in the project root instead of
   * the environment's S3 backend: for experiments only (LOCAL_STATE=1).
   * @default false
   */
  readonly localState?: boolean;
}

export class EnvironmentStack extends TerraformStack {
  /** The namespace the services run in. */
  public readonly serviceNamespace: Namespace;
  /** The namespace of the monitoring stack, when monitoring is enabled. */
  public readonly monitoringNamespace?: Namespace;
  public readonly monitoring?: Monitoring;
  /** The blue/green services, by name. */
  public readonly services: Record<string, BlueGreenService> = {};
  public readonly backupBucket: BackupBucket;
  public readonly snapshots: ReleaseSnapshots;

  constructor(scope: Construct, env: Environment, options: EnvironmentStackOptions = {}) {
    super(scope, env.name);
    this.configureBackend(env, options.localState ?? false);
    this.configureProviders(env);

    this.serviceNamespace = new Namespace(this, 'service-namespace', {
      name: env.namespace,
      quota: env.quota,
      limits: env.limitRange,
      protect: env.protect,
      labels: { environment: env.name },
    });
    this.backupBucket = new BackupBucket(this, 'backup-bucket', {
      bucketName: env.backups.bucketName,
      keyAlias: `${env.name}-backups`,
      retentionDays: env.backups.retentionDays,
      objectLockDays: env.backups.objectLockDays,
      accessLogging: env.backups.accessLogging,
      protect: env.protect,
    });
    this.snapshots = new ReleaseSnapshots(this, 'release-snapshots', {
      dbInstanceIdentifier: env.database.instanceIdentifier,
      releases: keptReleases(env.release.history, env.database.snapshotsToKeep),
    });
    this.addServices(env);
    new DatabaseBackupJob(this, 'database-backup', {
      namespace: this.serviceNamespace.namespaceName,
      environment: env.name,
      schedule: env.backups.schedule,
      bucketName: this.backupBucket.bucketName,
      bucketArn: this.backupBucket.bucketArn,
      kmsKeyArn: this.backupBucket.kmsKeyArn,
      databaseUrl: { secretName: env.backups.databaseUrl.secret, key: env.backups.databaseUrl.key },
      database: { cidrs: env.database.cidrs, port: env.database.port },
      oidcProviderArn: env.kubernetes.oidcProviderArn,
    });
    if (env.monitoring.enabled) {
      [this.monitoringNamespace, this.monitoring] = this.addMonitoring(env);
    }
  }

  private addMonitoring(env: Environment): [Namespace, Monitoring] {
    const m = env.monitoring;
    // node-exporter needs host namespaces and hostPath mounts, which only the
    // privileged level admits; audit and warn at baseline so anything else
    // that needs more than baseline is visible.
    const namespace = new Namespace(this, 'monitoring-namespace', {
      name: env.monitoringNamespace,
      podSecurity: 'privileged',
      podSecurityWarn: 'baseline',
      protect: env.protect,
      labels: { environment: env.name },
    });
    const lokiStorage =
      m.loki?.s3BucketName &&
      new LokiStorage(this, 'loki-storage', {
        bucketName: m.loki?.s3BucketName,
        environment: env.name,
        oidcProviderArn: env.kubernetes.oidcProviderArn,
        namespace: env.monitoringNamespace,
        protect: env.protect,
        accessLogBucket: this.backupBucket.accessLogBucket,
      });
    const monitoring = new Monitoring(this, 'monitoring', {
      namespace: namespace.namespaceName,
      services: env.services.map((svc) => ({
        name: svc.name,
        namespace: env.namespace,
        live: env.release.services[svc.name]!.live,
        metricsPath: svc.metricsPath,
        autoscaled: svc.autoscaling !== undefined,
        database: svc.usesDatabase,
        didResponder: svc.did && svc.ingress ? didResponderName(svc.name) : undefined,
      })),
      prometheusRetention: m.prometheus?.retention,
      prometheusStorage: m.prometheus?.storage,
      lokiStorage: m.loki?.storage,
      lokiObjectStorage: lokiStorage
        ? {
            bucketName: lokiStorage.bucketName,
            region: env.aws.region,
            roleArn: lokiStorage.roleArn,
            grants: lokiStorage.grants,
          }
        : undefined,
      logShipper: m.logShipper,
      grafanaAdminSecretId: m.grafanaAdminSecretId,
      grafanaHost: m.grafanaHost,
      slackWebhookSecretId: m.slackWebhookSecretId,
      slackChannel: m.slackChannel,
      runbookBaseUrl: m.runbookBaseUrl,
      alertThresholds: m.alerts,
      statusLabel: m.alerts.statusLabel,
    });
    return [namespace, monitoring];
  }

  private addServices(env: Environment): void {
    const namespace = this.serviceNamespace.namespaceName;
    // A Secret that services declare shared is created once, by the first.
    const secretsByName = new Map<string, SecretsManagerSecret>();
    for (const svc of env.services) {
      const secret = svc.secret;
      const secrets =
        secret &&
        (secretsByName.get(secret.name) ??
          new SecretsManagerSecret(this, `${svc.name}-secrets`, {
            name: secret.name,
            namespace,
            keys: Object.fromEntries(Object.entries(secret.keys).map(([key, k]) => [key, k.awsSecretId])),
          }));
      if (secret && secrets) secretsByName.set(secret.name, secrets);
      this.services[svc.name] = this.addService(env, svc, secrets);
    }
    new NamespaceNetworkPolicies(this, 'network-policies', {
      namespace,
      ingressNamespace: env.ingressNamespace,
      monitoringNamespace: env.monitoringNamespace,
      services: env.services.map((svc) => ({ app: svc.name, port: svc.containerPort })),
      egress: [
        { cidrs: env.database.cidrs, port: env.database.port },
        { cidrs: env.redis.cidrs, port: env.redis.port },
      ],
    });
  }

  /** One service: its pull secret, DID responder and blue/green pair. */
  private addService(env: Environment, svc: ServiceSettings, secrets?: SecretsManagerSecret): BlueGreenService {
    const namespace = this.serviceNamespace.namespaceName;
    const release = env.release.services[svc.name]!;
    const pullSecret =
      svc.imagePullSecret &&
      new RegistryPullSecret(this, `${svc.name}-registry`, {
        name: `${svc.name}-registry`,
        namespace,
        registry: svc.imageRepository.split('/')[0]!,
        awsSecretId: svc.imagePullSecret.awsSecretId,
      });
    const did = this.addDidResponder(env, svc);
    return new BlueGreenService(this, svc.name, {
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
      secretEnv: secrets && {
        secretName: secrets.secretName,
        keys: Object.fromEntries(Object.entries(svc.secret!.keys).map(([key, k]) => [k.env, key])),
      },
      podAnnotations: secrets && { 'checksum/secrets': secrets.versionChecksum },
      colourDependencies: this.snapshotDependencies(release),
      autoscaling: svc.autoscaling,
      imagePullSecrets: pullSecret ? [pullSecret.secretName] : undefined,
      ingress: svc.ingress && { ...svc.ingress, didBackend: did ? did.serviceName : undefined },
    });
  }

  /** Each colour's rollout waits for its release's pre-deploy snapshot. */
  private snapshotDependencies(release: ServiceRelease): Partial<Record<Colour, ITerraformDependable[]>> {
    return Object.fromEntries(
      COLOURS.flatMap((colour) => {
        const image = release[colour].image;
        const snapshot = image && this.snapshots.snapshotFor(releaseName(image));
        return snapshot ? [[colour, [snapshot]]] : [];
      }),
    );
  }

  /** The service's DID document on its public host, when it has one. */
  private addDidResponder(env: Environment, svc: ServiceSettings): DidResponder | undefined {
    if (!svc.did || !svc.ingress) return undefined;
    return new DidResponder(this, `${svc.name}-did`, {
      name: didResponderName(svc.name),
      namespace: this.serviceNamespace.namespaceName,
      partOf: 'mls',
      ingressNamespace: env.ingressNamespace,
      replicas: svc.did.replicas,
      document: {
        id: svc.did.id,
        publicKeyMultibase: svc.did.publicKeyMultibase,
        serviceEndpoint: `https://${svc.ingress.host}`,
      },
    });
  }

  private configureBackend(env: Environment, local: boolean): void {
    const backend = env.stateBackend;
    if (local) {
      // Relative to cdktf.out/stacks/<env>: the project root, the same in every clone.
      new LocalBackend(this, { path: `../../../terraform.${env.name}.tfstate` });
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
