/**
 * The environment's monitoring stack: the namespace's charts, Loki's bucket
 * when logs go to S3, and each service's rules, PodMonitor and dashboard.
 */
import { Construct } from 'constructs';
import { didResponderName, systemNames } from '../../core/names';
import type { SecureBucket } from '../../constructs/secure-bucket';
import type { ReleaseState } from '../release/schema';
import type { ISecretStore } from '../secrets/external-secrets';
import type { ServiceSettings } from '../service/schema';
import { LokiStorage } from './loki-storage';
import { MonitoredService, Monitoring } from './monitoring';
import type { MonitoringSettings, ServiceMonitoring } from './schema';

interface MonitoredSettings {
  readonly name: string;
  /** What the alerts and recorded series are named after. */
  readonly system: string;
  readonly namespace: string;
  readonly monitoringNamespace: string;
  readonly protect: boolean;
  readonly aws: { readonly region: string };
  readonly kubernetes: { readonly oidcProviderArn: string };
  readonly services: readonly (ServiceSettings & ServiceMonitoring)[];
  readonly release: ReleaseState;
  readonly monitoring: MonitoringSettings;
}

export interface MonitoringContext {
  /** The monitoring namespace (a reference, so the releases wait for it). */
  readonly namespace: string;
  /** Where Loki's bucket logs its access, when the environment logs access. */
  readonly accessLogBucket?: SecureBucket;
  /** Where Grafana's and Alertmanager's Secrets are declared. */
  readonly secrets: ISecretStore;
  /** Grafana's host gets an ingress-nginx Ingress (the edge still serves Ingress objects). */
  readonly grafanaIngress: boolean;
}

export function addMonitoring(scope: Construct, env: MonitoredSettings, ctx: MonitoringContext): Monitoring {
  const m = env.monitoring;
  const lokiStorage =
    m.loki?.s3BucketName &&
    new LokiStorage(scope, 'loki-storage', {
      bucketName: m.loki.s3BucketName,
      environment: env.name,
      oidcProviderArn: env.kubernetes.oidcProviderArn,
      // The role's trust names the namespace literally: it must not wait for the namespace.
      namespace: env.monitoringNamespace,
      protect: env.protect,
      accessLogBucket: ctx.accessLogBucket,
    });
  return new Monitoring(scope, 'monitoring', {
    namespace: ctx.namespace,
    namespaceName: env.monitoringNamespace,
    secrets: ctx.secrets,
    services: monitoredServices(env),
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
    // The Ingress only while the edge serves Ingress objects; the Gateway API route is the edge's.
    grafanaHost: ctx.grafanaIngress ? m.grafanaHost : undefined,
    slackWebhookSecretId: m.slackWebhookSecretId,
    slackChannel: m.slackChannel,
    runbookBaseUrl: m.runbookBaseUrl,
    system: systemNames(env.system),
    alertThresholds: m.alerts,
  });
}

/** What the monitoring stack watches of each service (the policy gate tests the rules built from it). */
export function monitoredServices(
  env: Pick<MonitoredSettings, 'namespace' | 'services' | 'release'>,
): MonitoredService[] {
  return env.services.map((svc) => ({
    name: svc.name,
    namespace: env.namespace,
    live: env.release.services[svc.name]!.live,
    metricsPath: svc.metrics?.path,
    statusLabel: svc.metrics?.statusLabel,
    slo: svc.slo,
    autoscaled: svc.autoscaling !== undefined,
    database: svc.usesDatabase,
    didResponder: svc.did && svc.ingress ? didResponderName(svc.name) : undefined,
  }));
}
