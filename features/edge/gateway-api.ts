/**
 * The edge as Gateway API objects (and the Envoy Gateway policies for what
 * core Gateway API lacks), built as plain typed objects: the Edge construct
 * releases them through charts/edge, and `edgeProblems` checks them before
 * any of them is written.
 */
import { DID_DOCUMENT_PATH, previewName } from '../../core/names';
import { managedLabels, namespaceByName, serviceLabels } from '../../core/labels';

export const GATEWAY_API = 'gateway.networking.k8s.io';
export const GATEWAY_API_V1 = `${GATEWAY_API}/v1`;
export const ENVOY_GATEWAY_API = 'gateway.envoyproxy.io/v1alpha1';

/** The public paths of a service, as the seeds' nginx serves them; nothing else of it is routed. */
export const PUBLIC_PATHS = {
  /** XRPC methods, long-lived (SSE and WebSocket). */
  xrpc: { type: 'PathPrefix', value: '/xrpc' },
  /** The health detail, for external checks. */
  health: { type: 'Exact', value: '/health' },
  /** The DID document. */
  did: { type: 'Exact', value: DID_DOCUMENT_PATH },
} as const;

/** HSTS as ingress-nginx sent it by default: a year, subdomains included. */
export const HSTS = { name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' };

/** A Kubernetes object as the chart writes it. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: Record<string, unknown>;
}

export interface PathMatch {
  readonly type: 'PathPrefix' | 'Exact';
  readonly value: string;
}

export interface BackendRef {
  readonly name: string;
  readonly port: number;
}

/** One HTTPRoute rule, as this program writes them. */
export interface RouteRule {
  readonly matches?: readonly { readonly path: PathMatch }[];
  readonly backendRefs?: readonly BackendRef[];
  readonly filters?: readonly Record<string, unknown>[];
  readonly timeouts?: { readonly request?: string; readonly backendRequest?: string };
}

/** Stream timeouts of the XRPC routes, in seconds. */
export interface StreamTimeouts {
  /** TCP connect to a pod. */
  readonly connect: number;
  /** A stream with no byte either way ends (the seeds' proxy_read_timeout). */
  readonly idle: number;
  /** Every request or stream ends by then: the bound a release's drain waits for. */
  readonly stream: number;
}

/** Where the routes attach: a listener of our own Gateway per host, or an existing Gateway as a whole. */
export interface Parent {
  readonly name: string;
  readonly namespace: string;
  /** Our own Gateway: each route attaches to its host's listener. */
  readonly ownListeners: boolean;
}

/** One service's edge. */
export interface ServiceEdge {
  readonly service: string;
  readonly namespace: string;
  readonly host: string;
  readonly previewHost: string;
  readonly previewAllowedCidrs: readonly string[];
  readonly tlsSecretName: string;
  /** The Service on the live colour. */
  readonly live: BackendRef;
  /** The DID responder's Service. @default no DID route */
  readonly did?: BackendRef;
  readonly timeouts: StreamTimeouts;
  readonly partOf?: string;
}

const seconds = (s: number) => `${s}s`;
const hsts = { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [HSTS] } };
const match = (path: PathMatch) => ({ path: { ...path } });
const ref = (b: BackendRef) => ({ name: b.name, port: b.port });

/** The listener of a host on our own Gateway. */
export function listenerName(host: string): string {
  return `https-${host.replace(/\./g, '-')}`.slice(0, 253);
}

function parentRefs(parent: Parent, host: string) {
  return [
    {
      group: GATEWAY_API,
      kind: 'Gateway',
      name: parent.name,
      namespace: parent.namespace,
      ...(parent.ownListeners ? { sectionName: listenerName(host) } : {}),
    },
  ];
}

function route(name: string, namespace: string, labels: Record<string, string>, spec: Record<string, unknown>) {
  return { apiVersion: GATEWAY_API_V1, kind: 'HTTPRoute', metadata: { name, namespace, labels }, spec };
}

/** The XRPC rule: a bounded stream, never buffered (Envoy streams unless a policy buffers, and none does). */
function xrpcRule(backend: BackendRef, t: StreamTimeouts): RouteRule {
  return {
    matches: [match(PUBLIC_PATHS.xrpc)],
    backendRefs: [ref(backend)],
    filters: [hsts],
    timeouts: { request: seconds(t.stream), backendRequest: seconds(t.stream) },
  };
}

/**
 * A service's routes: `<svc>-xrpc` and `<svc>-public` on the public host,
 * `<svc>-preview` on the preview host (the idle colour), each path once and
 * never `/`; the policies for stream timeouts and the preview allow-list.
 */
export function serviceEdgeObjects(e: ServiceEdge, parent: Parent): KubeObject[] {
  const labels = serviceLabels(e.service, e.partOf);
  const preview = { name: previewName(e.service), port: e.live.port };
  const rule = (path: PathMatch, backend: BackendRef): RouteRule => ({
    matches: [match(path)],
    backendRefs: [ref(backend)],
    filters: [hsts],
  });
  const routes = [
    route(`${e.service}-xrpc`, e.namespace, labels, {
      parentRefs: parentRefs(parent, e.host),
      hostnames: [e.host],
      rules: [xrpcRule(e.live, e.timeouts)],
    }),
    route(`${e.service}-public`, e.namespace, labels, {
      parentRefs: parentRefs(parent, e.host),
      hostnames: [e.host],
      rules: [rule(PUBLIC_PATHS.health, e.live), ...(e.did ? [rule(PUBLIC_PATHS.did, e.did)] : [])],
    }),
    route(previewName(e.service), e.namespace, labels, {
      parentRefs: parentRefs(parent, e.previewHost),
      hostnames: [e.previewHost],
      rules: [xrpcRule(preview, e.timeouts), rule(PUBLIC_PATHS.health, preview)],
    }),
  ];
  return [...routes, ...servicePolicies(e, labels)];
}

const targets = (...routes: string[]) => routes.map((name) => ({ group: GATEWAY_API, kind: 'HTTPRoute', name }));

/** Stream timeouts on the routes that carry XRPC; the preview route only from the allowed CIDRs. */
function servicePolicies(e: ServiceEdge, labels: Record<string, string>): KubeObject[] {
  const t = e.timeouts;
  return [
    {
      apiVersion: ENVOY_GATEWAY_API,
      kind: 'BackendTrafficPolicy',
      metadata: { name: `${e.service}-streams`, namespace: e.namespace, labels },
      spec: {
        targetRefs: targets(`${e.service}-xrpc`, previewName(e.service)),
        timeout: {
          tcp: { connectTimeout: seconds(t.connect) },
          http: { streamIdleTimeout: seconds(t.idle), maxStreamDuration: seconds(t.stream) },
        },
      },
    },
    {
      apiVersion: ENVOY_GATEWAY_API,
      kind: 'SecurityPolicy',
      metadata: { name: previewName(e.service), namespace: e.namespace, labels },
      spec: {
        targetRefs: targets(previewName(e.service)),
        // An empty allow-list admits nobody (never everybody).
        authorization: {
          defaultAction: 'Deny',
          ...(e.previewAllowedCidrs.length > 0
            ? {
                rules: [
                  {
                    name: 'preview-allow-list',
                    action: 'Allow',
                    principal: { clientCIDRs: [...e.previewAllowedCidrs] },
                  },
                ],
              }
            : {}),
        },
      },
    },
  ];
}

/** Grafana's route: its whole UI, behind its own login, on its host. */
export interface GrafanaEdge {
  readonly namespace: string;
  readonly host: string;
  readonly backend: BackendRef;
  readonly tlsSecretName: string;
}

export function grafanaEdgeObjects(g: GrafanaEdge, parent: Parent): KubeObject[] {
  return [
    route('grafana', g.namespace, serviceLabels('grafana'), {
      parentRefs: parentRefs(parent, g.host),
      hostnames: [g.host],
      rules: [{ backendRefs: [ref(g.backend)], filters: [hsts] }],
    }),
  ];
}

/** Envoy Gateway's GatewayClass controller. */
export const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';

/** A host our own Gateway terminates TLS for, and the namespace whose routes may use it. */
export interface Listener {
  readonly host: string;
  readonly tlsSecretName: string;
  readonly routeNamespace: string;
}

export interface OwnGateway {
  readonly name: string;
  readonly namespace: string;
  readonly className: string;
  /** cert-manager ClusterIssuer of every listener's certificate. */
  readonly clusterIssuer: string;
  readonly listeners: readonly Listener[];
  /** The longest idle time of a stream on any route (the listener's own default, 5 min, would cut them). */
  readonly streamIdleSeconds: number;
  /** Envoy proxies the Gateway runs. */
  readonly replicas: number;
}

/**
 * Our own Gateway: its class (Envoy Gateway's controller), one HTTPS listener
 * per host with the certificate cert-manager issues for it (its Gateway
 * support reads the annotation), port 80 only to redirect to HTTPS, and the
 * client-side limits core Gateway API has no field for.
 */
export function ownGatewayObjects(g: OwnGateway): KubeObject[] {
  const hosts = g.listeners.map((l) => l.host);
  const allowed = (ns: string) =>
    ns === g.namespace
      ? { namespaces: { from: 'Same' } }
      : { namespaces: { from: 'Selector', selector: namespaceByName(ns) } };
  const gatewayRef = [{ group: GATEWAY_API, kind: 'Gateway', name: g.name }];
  return [
    {
      apiVersion: GATEWAY_API_V1,
      kind: 'GatewayClass',
      metadata: { name: g.className, labels: managedLabels() },
      spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
    },
    {
      apiVersion: GATEWAY_API_V1,
      kind: 'Gateway',
      metadata: {
        name: g.name,
        namespace: g.namespace,
        labels: managedLabels(),
        annotations: { 'cert-manager.io/cluster-issuer': g.clusterIssuer },
      },
      spec: {
        gatewayClassName: g.className,
        infrastructure: { parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: g.name } },
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
          ...g.listeners.map((l) => ({
            name: listenerName(l.host),
            hostname: l.host,
            port: 443,
            protocol: 'HTTPS',
            tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: l.tlsSecretName }] },
            allowedRoutes: allowed(l.routeNamespace),
          })),
        ],
      },
    },
    envoyProxyObject(g.name, g.namespace, g.replicas),
    route(`${g.name}-https-redirect`, g.namespace, managedLabels(), {
      parentRefs: [{ group: GATEWAY_API, kind: 'Gateway', name: g.name, sectionName: 'http' }],
      hostnames: hosts,
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    }),
    {
      apiVersion: ENVOY_GATEWAY_API,
      kind: 'ClientTrafficPolicy',
      metadata: { name: g.name, namespace: g.namespace, labels: managedLabels() },
      spec: {
        targetRefs: gatewayRef,
        timeout: { http: { streamIdleTimeout: seconds(g.streamIdleSeconds) } },
        // Headers and request bodies are held in 32 KiB per connection; a header with "_" is refused, not passed on.
        connection: { bufferLimit: '32Ki' },
        headers: { withUnderscoresAction: 'RejectRequest' },
        tls: { minVersion: '1.2' },
      },
    },
  ];
}

/** The proxies of our own Gateway: how many, and a PodDisruptionBudget when there are two or more. */
export function envoyProxyObject(name: string, namespace: string, replicas: number): KubeObject {
  return {
    apiVersion: ENVOY_GATEWAY_API,
    kind: 'EnvoyProxy',
    metadata: { name, namespace, labels: managedLabels() },
    spec: {
      provider: {
        type: 'Kubernetes',
        kubernetes: {
          envoyDeployment: { replicas },
          ...(replicas >= 2 ? { envoyPDB: { maxUnavailable: 1 } } : {}),
        },
      },
    },
  };
}
