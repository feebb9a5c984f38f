import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Aspects, LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import type { BackupBucket } from '../features/data/backup-bucket';
import { addBackups } from '../features/data/wire';
import type { Edge } from '../features/edge/edge';
import { edgeNamespaces, servesIngress } from '../features/edge/schema';
import { addEdge } from '../features/edge/wire';
import type { Monitoring } from '../features/monitoring/monitoring';
import { addMonitoring } from '../features/monitoring/wire';
import type { Namespace } from '../features/namespace/namespace';
import { addMonitoringNamespace, addServiceNamespace } from '../features/namespace/wire';
import { promotionFor } from '../features/release/analysis/wire';
import { addReleaseSnapshots } from '../features/release/wire';
import type { ExternalSecrets } from '../features/secrets/external-secrets';
import { addExternalSecrets } from '../features/secrets/wire';
import type { BlueGreenService } from '../features/service/blue-green-service';
import { addServices } from '../features/service/wire';
import type { Environment } from '../environments/validate';
import { PreventDestroy } from './aspects';
import { stateKey } from '../core/names';
import { TERRAFORM_REQUIRED_VERSION } from '../core/terraform-version';
import { streamedJson } from './streamed-json';

export interface EnvironmentStackOptions {
  /**
   * Keep state in `terraform.<env>.tfstate` in the project root instead of
   * the environment's S3 backend: for experiments only (LOCAL_STATE=1).
   * @default false
   */
  readonly localState?: boolean;
}

/**
 * One environment: its state backend and providers, then each feature wired
 * in: namespaces, secrets (External Secrets Operator), data protection,
 * release snapshots, services, monitoring, the edge.
 * The only place where environment data meets Terraform.
 */
export class EnvironmentStack extends TerraformStack {
  /** The namespace the services run in. */
  public readonly serviceNamespace: Namespace;
  /** The namespace of the monitoring stack, when monitoring is enabled. */
  public readonly monitoringNamespace?: Namespace;
  public readonly monitoring?: Monitoring;
  /** The blue/green services, by name. */
  public readonly services: Record<string, BlueGreenService>;
  public readonly backupBucket: BackupBucket;
  /** External Secrets Operator and the environment's ExternalSecrets. */
  public readonly secrets: ExternalSecrets;
  /** The Gateway API edge, at the steps of the move that serve it. */
  public readonly edge?: Edge;
  /** What synth writes, once sealed. */
  private rendering?: Record<string, unknown>;
  /** While cdktf's own synthesizer runs: it writes `{}`, streamedJson the rendering (stacks/streamed-json.ts). */
  private renderingEmpty = false;

  constructor(scope: Construct, env: Environment, options: EnvironmentStackOptions = {}) {
    super(scope, env.name);
    // Terraform checks its own version at init, where it runs (not synth: see constructs/terraform-data.ts).
    this.addOverride('terraform.required_version', TERRAFORM_REQUIRED_VERSION);
    this.configureBackend(env, options.localState ?? false);
    this.configureProviders(env);
    this.synthesizer = streamedJson(this, this.synthesizer);
    Aspects.of(this).add(new PreventDestroy(env.protect));

    this.serviceNamespace = addServiceNamespace(this, env);
    const namespace = this.serviceNamespace.namespaceName;
    this.monitoringNamespace = env.monitoring.enabled ? addMonitoringNamespace(this, env) : undefined;
    // The secrets' store serves these namespaces, and waits for them.
    this.secrets = addExternalSecrets(this, env, [this.serviceNamespace, this.monitoringNamespace]);
    this.backupBucket = addBackups(this, env, namespace);
    const colourDependencies = addReleaseSnapshots(this, env);
    this.services = addServices(this, env, {
      namespace,
      colourDependencies,
      promotion: (svc, release) => promotionFor(env, svc, release, namespace),
      secrets: this.secrets,
      edge: { ingress: servesIngress(env.edge), namespaces: edgeNamespaces(env.edge, env.ingressNamespace) },
    });
    if (this.monitoringNamespace) {
      this.monitoring = addMonitoring(this, env, {
        namespace: this.monitoringNamespace.namespaceName,
        accessLogBucket: this.backupBucket.accessLogBucket,
        secrets: this.secrets,
        grafanaIngress: servesIngress(env.edge),
      });
    }
    // The routes wait for the namespaces and the Services they send to.
    this.edge = addEdge(this, env, [
      this.serviceNamespace.resource,
      ...(this.monitoringNamespace ? [this.monitoringNamespace.resource] : []),
      ...Object.values(this.services).flatMap((s) => [s.service, s.previewService]),
    ]);
  }

  /**
   * Renders the stack once, for the invariants and then for synth, and locks
   * it: nothing can be added after the check, so synth writes exactly what was
   * checked, and a large stack is not resolved twice (stacks/app.ts).
   */
  public seal(): Record<string, unknown> {
    this.node.lock();
    const rendering: Record<string, unknown> = this.rendering ?? super.toTerraform();
    this.rendering = rendering;
    return rendering;
  }

  public toTerraform(): Record<string, unknown> {
    if (this.renderingEmpty) return {};
    return this.rendering ?? super.toTerraform();
  }

  public renderingEmptyWhile(fn: () => void): void {
    this.renderingEmpty = true;
    try {
      fn();
    } finally {
      this.renderingEmpty = false;
    }
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
      key: stateKey(env.name, backend.key),
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
