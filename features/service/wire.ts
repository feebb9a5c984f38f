/**
 * Each service of an environment: its Secret, pull secret, DID responder and
 * blue/green pair, then the namespace's network policies.
 */
import { Construct } from 'constructs';
import { fromFields, propsUnder } from '../../core/errors';
import { registryOf } from '../../core/image';
import { didResponderName, registrySecretName } from '../../core/names';
import { PROMETHEUS } from '../../core/promql';
import type { Promotion } from '../../constructs/promotion';
import type { ColourDependencies } from '../release/wire';
import type { ReleaseState, ServiceRelease } from '../release/schema';
import { BlueGreenService } from './blue-green-service';
import { secretOwners } from './checks';
import { DidResponder } from './did-responder';
import { NamespaceNetworkPolicies } from './network-policies';
import type { ExternalSecretRef, ISecretStore } from '../secrets/external-secrets';
import { registryPullSecret } from './registry-pull-secret';
import { proxyTimeouts } from './service-ingress';
import type { ServiceSettings } from './schema';

interface ServicesSettings<S extends ServiceSettings> {
  /** The services' `app.kubernetes.io/part-of`. */
  readonly system: string;
  /** The services' namespace, by name. */
  readonly namespace: string;
  readonly monitoring: { readonly enabled: boolean };
  readonly services: readonly S[];
  readonly release: ReleaseState;
  readonly monitoringNamespace: string;
  readonly database: { readonly cidrs: readonly string[]; readonly port: number };
  readonly redis: { readonly cidrs: readonly string[]; readonly port: number };
}

export interface ServicesContext<S extends ServiceSettings> {
  /** The namespace the services run in (a reference, so they wait for it). */
  readonly namespace: string;
  readonly colourDependencies: ColourDependencies;
  /** What a switch of the service's traffic waits for and what follows it (the release analysis). */
  readonly promotion: (svc: S, release: ServiceRelease) => Promotion | undefined;
  /** Where the services' Secrets are declared (External Secrets Operator). */
  readonly secrets: ISecretStore;
  /** The edge at this step of the move to the Gateway API. */
  readonly edge: {
    /** Services get ingress-nginx Ingress objects. */
    readonly ingress: boolean;
    /** Namespaces of the proxies that reach the services (the network policies admit them). */
    readonly namespaces: readonly string[];
  };
}

export function addServices<S extends ServiceSettings>(
  scope: Construct,
  env: ServicesSettings<S>,
  ctx: ServicesContext<S>,
): Record<string, BlueGreenService> {
  const services: Record<string, BlueGreenService> = {};
  const owners = secretOwners(env.services);
  const declared = new Map<string, ExternalSecretRef>();
  env.services.forEach((svc, i) => {
    const secret = svc.secret;
    if (secret && owners.get(secret.name) === i) {
      declared.set(
        secret.name,
        ctx.secrets.add({
          name: secret.name,
          namespace: env.namespace,
          data: Object.fromEntries(
            Object.entries(secret.keys).map(([key, k]) => [key, { awsSecretId: k.awsSecretId }]),
          ),
        }),
      );
    }
    services[svc.name] = addService(scope, env, svc, i, ctx, secret && declared.get(secret.name));
  });
  new NamespaceNetworkPolicies(scope, 'network-policies', {
    namespace: ctx.namespace,
    ingressNamespaces: ctx.edge.namespaces,
    monitoringNamespace: env.monitoringNamespace,
    services: env.services.map((svc) => ({ app: svc.name, port: svc.containerPort })),
    egress: [
      { cidrs: env.database.cidrs, port: env.database.port },
      { cidrs: env.redis.cidrs, port: env.redis.port },
    ],
    prometheus: env.monitoring.enabled
      ? { namespace: env.monitoringNamespace, podLabels: PROMETHEUS.podLabels, port: PROMETHEUS.port }
      : undefined,
  });
  return services;
}

/** One service: its pull secret, DID responder and blue/green pair. */
function addService<S extends ServiceSettings>(
  scope: Construct,
  env: ServicesSettings<S>,
  svc: S,
  index: number,
  ctx: ServicesContext<S>,
  secrets?: ExternalSecretRef,
): BlueGreenService {
  const release = env.release.services[svc.name]!;
  const pullSecret =
    svc.imagePullSecret &&
    ctx.secrets.add(registryPullSecret(pullSecretProps(env.namespace, svc, svc.imagePullSecret.awsSecretId)));
  const did = addDidResponder(scope, env.system, svc, ctx);
  const inRelease = ['release', 'services', svc.name];
  const inService = ['services', index];
  const sources = propsUnder({
    live: [...inRelease, 'live'],
    blue: [...inRelease, 'blue'],
    green: [...inRelease, 'green'],
    fullReplicas: [...inService, 'replicas'],
    minReplicas: [...inService, 'autoscaling', 'minReplicas'],
    resources: [...inService, 'resources'],
    previewAllowedCidrs: [...inService, 'ingress', 'previewAllowedCidrs'],
  });
  return fromFields(
    sources,
    () =>
      new BlueGreenService(scope, svc.name, {
        service: svc.name,
        namespace: ctx.namespace,
        partOf: env.system,
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
        // Both colours wait for their Secrets' declarations.
        colourDependencies: withSecrets(ctx.colourDependencies(release), [secrets, pullSecret]),
        promotion: ctx.promotion(svc, release),
        autoscaling: svc.autoscaling,
        imagePullSecrets: pullSecret ? [pullSecret.secretName] : undefined,
        ingress:
          svc.ingress && ctx.edge.ingress
            ? { ...svc.ingress, didBackend: did ? did.serviceName : undefined }
            : undefined,
        // Pods stop only after every stream they may hold has ended (the routes' bound).
        drainSeconds: svc.ingress ? proxyTimeouts(svc.ingress.timeouts).stream : undefined,
      }),
  );
}

/** The pull secret of a service's registry. */
const pullSecretProps = (namespace: string, svc: ServiceSettings, awsSecretId: string) => ({
  name: registrySecretName(svc.name),
  namespace,
  registry: registryOf(svc.imageRepository),
  awsSecretId,
});

/** What each colour waits for, plus the declarations of the Secrets it reads. */
function withSecrets(
  deps: ReturnType<ColourDependencies>,
  refs: readonly (ExternalSecretRef | undefined)[],
): ReturnType<ColourDependencies> {
  const ready = [...new Set(refs.flatMap((r) => (r ? [r.ready] : [])))];
  return { blue: [...(deps.blue ?? []), ...ready], green: [...(deps.green ?? []), ...ready] };
}

/** The service's DID document on its public host, when it has one. */
function addDidResponder<S extends ServiceSettings>(
  scope: Construct,
  system: string,
  svc: S,
  ctx: ServicesContext<S>,
): DidResponder | undefined {
  if (!svc.did || !svc.ingress) return undefined;
  return new DidResponder(scope, `${svc.name}-did`, {
    name: didResponderName(svc.name),
    namespace: ctx.namespace,
    partOf: system,
    ingressNamespaces: ctx.edge.namespaces,
    replicas: svc.did.replicas,
    document: {
      id: svc.did.id,
      publicKeyMultibase: svc.did.publicKeyMultibase,
      serviceEndpoint: `https://${svc.ingress.host}`,
    },
  });
}
