/**
 * The environment's edge on the Gateway API, at the steps of the move that
 * serve it (`both`, `gateway`): each service with an `ingress` block, and
 * Grafana's host.
 */
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { DEFAULT_SERVICE_PORT, GRAFANA, didResponderName } from '../../core/names';
import { DID_SERVICE_PORT } from '../service/did-responder';
import { proxyTimeouts, serviceIngressNames } from '../service/service-ingress';
import type { ServiceSettings } from '../service/schema';
import { Edge, OWN_GATEWAY } from './edge';
import type { ServiceEdge } from './gateway-api';
import { EdgeSettings, servesGateway } from './schema';
import { EdgeStepGuard } from './step';

interface EdgeEnvironment {
  /** The services' `app.kubernetes.io/part-of`. */
  readonly system: string;
  readonly namespace: string;
  readonly monitoringNamespace: string;
  readonly protect: boolean;
  readonly edge: EdgeSettings;
  readonly services: readonly ServiceSettings[];
  readonly monitoring: { readonly enabled: boolean; readonly grafanaHost?: string };
}

export function addEdge(
  scope: Construct,
  env: EdgeEnvironment,
  dependsOn: readonly ITerraformDependable[],
): Edge | undefined {
  const services = env.services.flatMap((svc) => (svc.ingress ? [serviceEdge(env, svc, svc.ingress)] : []));
  if (services.length === 0) return undefined;
  const gateway = env.edge.gateway;
  new EdgeStepGuard(scope, 'edge-step', {
    step: env.edge.serve,
    namespace: env.namespace,
    ingressNames: services.flatMap((s) => serviceIngressNames(s.service)),
    gateway: 'install' in gateway ? { name: OWN_GATEWAY.name, namespace: env.namespace } : gateway.existing,
  });
  if (!servesGateway(env.edge)) return undefined;
  const grafanaHost = env.monitoring.enabled ? env.monitoring.grafanaHost : undefined;
  return new Edge(scope, 'edge', {
    namespace: env.namespace,
    install:
      'install' in gateway
        ? {
            controllerNamespace: gateway.install.namespace,
            clusterIssuer: env.services.find((s) => s.ingress)!.ingress!.clusterIssuer,
            replicas: env.protect ? 2 : 1,
          }
        : undefined,
    existing: 'existing' in gateway ? gateway.existing : undefined,
    services,
    grafana: grafanaHost
      ? {
          namespace: env.monitoringNamespace,
          host: grafanaHost,
          backend: { name: GRAFANA.service, port: GRAFANA.port },
          tlsSecretName: GRAFANA.tlsSecretName,
        }
      : undefined,
    dependsOn,
    protect: env.protect,
  });
}

function serviceEdge(
  env: EdgeEnvironment,
  svc: ServiceSettings,
  ingress: NonNullable<ServiceSettings['ingress']>,
): ServiceEdge {
  const t = proxyTimeouts(ingress.timeouts);
  return {
    service: svc.name,
    namespace: env.namespace,
    host: ingress.host,
    previewHost: ingress.previewHost,
    previewAllowedCidrs: ingress.previewAllowedCidrs,
    tlsSecretName: ingress.tlsSecretName,
    live: { name: svc.name, port: svc.servicePort ?? DEFAULT_SERVICE_PORT },
    did: svc.did ? { name: didResponderName(svc.name), port: DID_SERVICE_PORT } : undefined,
    timeouts: { connect: t.connect, idle: Math.max(t.read, t.send), stream: t.stream },
    partOf: env.system,
  };
}
