/**
 * What an environment file says about its edge: which step of the move from
 * Ingress to the Gateway API it is on, and whose Gateway serves it.
 */
import { z } from 'zod';
import type { FieldIssue } from '../../core/errors';
import { dnsLabel } from '../fields';

/**
 * The steps of the move from ingress-nginx's Ingress objects to the Gateway
 * API, in order. `both` serves the two edges side by side while DNS moves;
 * the Ingress objects go only in the next, reviewed change (`gateway`).
 */
export const EDGE_STEPS = ['ingress', 'both', 'gateway'] as const;
export type EdgeStep = (typeof EDGE_STEPS)[number];

/** Envoy Gateway's own namespace, where its proxies run by default. */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';

const install = z.strictObject({
  /** Namespace of the controller and of the proxies it deploys. @default 'envoy-gateway-system' */
  namespace: dnsLabel().default(ENVOY_GATEWAY_NAMESPACE),
});

const existing = z.strictObject({
  /** The Gateway the routes attach to. */
  name: dnsLabel(253),
  namespace: dnsLabel(),
  /**
   * Its implementation: the routes' stream timeouts and the preview host's
   * allow-list are policies of that implementation, so only one whose
   * policies this program writes is accepted.
   */
  implementation: z.literal('envoy-gateway', {
    error:
      'must be "envoy-gateway": the preview allow-list and the stream timeouts are Envoy Gateway policies, and another implementation would ignore them (the preview host would be open to all)',
  }),
  /** Namespace its proxies run in, admitted by the services' network policies. @default 'envoy-gateway-system' */
  proxyNamespace: dnsLabel().default(ENVOY_GATEWAY_NAMESPACE),
});

export const edgeSchema = z
  .strictObject({
    /** The step of the move to the Gateway API. @default 'gateway' */
    serve: z.enum(EDGE_STEPS).default('gateway'),
    /**
     * Install Envoy Gateway (pinned chart) and a Gateway of the environment's
     * own, or attach the routes to a Gateway the cluster has.
     * @default { install: {} }
     */
    gateway: z
      .union([z.strictObject({ install }), z.strictObject({ existing })], {
        error: 'must be { "install": {...} } or { "existing": { "name", "namespace", "implementation" } }',
      })
      .default({ install: { namespace: ENVOY_GATEWAY_NAMESPACE } }),
  })
  .default({ serve: 'gateway', gateway: { install: { namespace: ENVOY_GATEWAY_NAMESPACE } } });

export type EdgeSettings = z.output<typeof edgeSchema>;

/** The namespaces whose proxies reach the services at this step: the network policies admit exactly these. */
export function edgeNamespaces(edge: EdgeSettings, ingressNamespace: string): string[] {
  const proxies = 'install' in edge.gateway ? edge.gateway.install.namespace : edge.gateway.existing.proxyNamespace;
  const byStep: Record<EdgeStep, string[]> = {
    ingress: [ingressNamespace],
    both: [ingressNamespace, proxies],
    gateway: [proxies],
  };
  return [...new Set(byStep[edge.serve])];
}

/** The step serves ingress-nginx's Ingress objects. */
export const servesIngress = (edge: EdgeSettings): boolean => edge.serve !== 'gateway';
/** The step serves Gateway API routes. */
export const servesGateway = (edge: EdgeSettings): boolean => edge.serve !== 'ingress';

/** What the edge's rules between fields read of an environment. */
interface EdgeOfEnvironment {
  readonly edge: EdgeSettings;
  readonly services: readonly { readonly ingress?: { readonly clusterIssuer: string } }[];
  readonly monitoring: { readonly enabled: boolean; readonly grafanaHost?: string };
}

/**
 * The environment's own Gateway has one cert-manager annotation, so every
 * service names the same issuer; and Grafana's certificate comes from it, so
 * a Grafana host on the Gateway needs a service with an edge.
 */
export function edgeIssues(env: EdgeOfEnvironment): FieldIssue[] {
  if (!servesGateway(env.edge) || !('install' in env.edge.gateway)) return [];
  const issues: FieldIssue[] = [];
  const withEdge = env.services.flatMap((s, i) => (s.ingress ? [{ i, issuer: s.ingress.clusterIssuer }] : []));
  const first = withEdge[0];
  for (const other of withEdge.slice(1).filter((s) => s.issuer !== first!.issuer)) {
    issues.push({
      path: ['services', other.i, 'ingress', 'clusterIssuer'],
      message: `must be "${first!.issuer}", as services[${first!.i}] says: the environment's Gateway has one issuer (cert-manager reads one annotation per Gateway)`,
    });
  }
  if (env.monitoring.enabled && env.monitoring.grafanaHost && !first) {
    issues.push({
      path: ['monitoring', 'grafanaHost'],
      message: 'needs a service with an ingress block: its clusterIssuer issues Grafana’s certificate on the Gateway',
    });
  }
  return issues;
}
