import { IngressV1, IngressV1SpecRuleHttpPath } from '@cdktf/provider-kubernetes/lib/ingress-v1';
import { Construct } from 'constructs';
import { PropsError } from '../../core/errors';
import { serviceLabels } from '../../core/labels';
import { DID_DOCUMENT_PATH } from '../../core/names';

/**
 * The public paths of a service, as the server's own nginx serves them: XRPC
 * endpoints (Prefix, long-lived: SSE and WebSocket), the health detail for
 * external checks (Exact), and the DID document (Exact).
 */
const ROUTES = { xrpc: '/xrpc/', health: '/health', did: DID_DOCUMENT_PATH } as const;

/** Proxy timeouts of the XRPC route, in seconds. */
export interface ProxyTimeouts {
  /** @default 60 (nginx's proxy_connect_timeout 60s in front of the server) */
  readonly connect?: number;
  /** @default 3600 (an hour: SSE and WebSocket streams stay open) */
  readonly read?: number;
  /** @default 3600 (an hour, as read) */
  readonly send?: number;
  /**
   * Every stream ends by then: the Gateway API routes' bound, which a
   * release's drain waits for. ingress-nginx has no such bound (its read
   * timeout counts between two reads). @default 3600
   */
  readonly stream?: number;
}

/** The XRPC timeouts with their defaults. */
export function proxyTimeouts(t: ProxyTimeouts = {}): Required<ProxyTimeouts> {
  return { connect: 60, read: 3600, send: 3600, stream: 3600, ...t };
}

export interface ServiceIngressProps {
  /** Service name: the Ingress objects are `<service>-xrpc`, `<service>-public`, `<service>-preview`. */
  readonly service: string;
  readonly namespace: string;
  /** Public host; serves the live colour. */
  readonly host: string;
  /** The Service that selects the live colour (port `http`). */
  readonly liveBackend: string;
  /** The Service that selects the idle colour (port `http`). */
  readonly previewBackend: string;
  /** The DID responder's Service (port `http`). @default no DID route */
  readonly didBackend?: string;
  /** Host that always serves the idle colour, for the team's smoke tests before a promote. */
  readonly previewHost: string;
  /** CIDRs allowed to reach the preview host; never empty, so unreleased builds are never public. */
  readonly previewAllowedCidrs: readonly string[];
  /** cert-manager ClusterIssuer that issues both hosts' certificates. */
  readonly clusterIssuer: string;
  /** TLS Secret of the public host; the preview host's is `<tlsSecretName>-preview`. */
  readonly tlsSecretName: string;
  /** IngressClass. @default 'nginx' */
  readonly className?: string;
  /** `app.kubernetes.io/part-of` label. @default none */
  readonly partOf?: string;
  /** @default see ProxyTimeouts */
  readonly timeouts?: ProxyTimeouts;
}

const NGINX = 'nginx.ingress.kubernetes.io';

/** The parts of a service's edge on ingress-nginx, one Ingress object each. */
const INGRESS_PARTS = ['xrpc', 'public', 'preview'] as const;

type IngressPart = (typeof INGRESS_PARTS)[number];
const ingressName = (service: string, part: IngressPart) => `${service}-${part}`;

/** The names of a service's Ingress objects (`<service>-xrpc`, `-public`, `-preview`). */
export function serviceIngressNames(service: string): string[] {
  return INGRESS_PARTS.map((part) => ingressName(service, part));
}

/**
 * The edge of one service on ingress-nginx, route by route, never a
 * catch-all `/` (so `/metrics` is scraped only inside the cluster):
 *
 * - `<svc>-xrpc`: `/xrpc/` on the public host with the server's streaming
 *   behaviour (HTTP/1.1, no buffering, 3600 s read/send timeouts);
 * - `<svc>-public`: `/health` and `/.well-known/did.json` on the public
 *   host, with default proxying; it owns the host's certificate;
 * - `<svc>-preview`: `/xrpc/` and `/health` on the preview host, to the idle
 *   colour, only from the allowed CIDRs.
 *
 * ingress-nginx merges Ingresses of one host, so routes that need different
 * annotations live on different objects. One Ingress per host carries
 * cert-manager's annotation, so one Certificate owns each TLS Secret.
 * HSTS is ingress-nginx's default for TLS hosts (its ConfigMap's `hsts`);
 * every object also forces the redirect to HTTPS.
 */
export class ServiceIngress extends Construct {
  public readonly ingresses: IngressV1[] = [];

  constructor(scope: Construct, id: string, props: ServiceIngressProps) {
    super(scope, id);
    const where = `ServiceIngress ${props.service}`;
    if (props.previewAllowedCidrs.length === 0) {
      throw new PropsError(
        where,
        'previewAllowedCidrs',
        'must list at least one CIDR: an empty list would be open to all',
      );
    }
    const routes = ROUTES;
    const t = proxyTimeouts(props.timeouts);
    const streaming = {
      [`${NGINX}/proxy-http-version`]: '1.1',
      [`${NGINX}/proxy-buffering`]: 'off',
      [`${NGINX}/proxy-request-buffering`]: 'off',
      [`${NGINX}/proxy-connect-timeout`]: String(t.connect),
      [`${NGINX}/proxy-read-timeout`]: String(t.read),
      [`${NGINX}/proxy-send-timeout`]: String(t.send),
    };
    const issuer = { 'cert-manager.io/cluster-issuer': props.clusterIssuer };
    const previewSecret = `${props.tlsSecretName}-preview`;
    const path = (p: string, pathType: 'Prefix' | 'Exact', backend: string) => ({
      path: p,
      pathType,
      backend: { service: { name: backend, port: { name: 'http' } } },
    });

    this.ingress('xrpc', props, props.host, props.tlsSecretName, streaming, [
      path(routes.xrpc, 'Prefix', props.liveBackend),
    ]);
    this.ingress('public', props, props.host, props.tlsSecretName, issuer, [
      path(routes.health, 'Exact', props.liveBackend),
      ...(props.didBackend ? [path(routes.did, 'Exact', props.didBackend)] : []),
    ]);
    this.ingress(
      'preview',
      props,
      props.previewHost,
      previewSecret,
      { ...streaming, ...issuer, [`${NGINX}/whitelist-source-range`]: props.previewAllowedCidrs.join(',') },
      [path(routes.xrpc, 'Prefix', props.previewBackend), path(routes.health, 'Exact', props.previewBackend)],
    );
  }

  private ingress(
    id: IngressPart,
    props: ServiceIngressProps,
    host: string,
    secretName: string,
    annotations: Record<string, string>,
    paths: IngressV1SpecRuleHttpPath[],
  ): void {
    this.ingresses.push(
      new IngressV1(this, id, {
        metadata: {
          name: ingressName(props.service, id),
          namespace: props.namespace,
          labels: serviceLabels(props.service, props.partOf),
          annotations: { [`${NGINX}/force-ssl-redirect`]: 'true', ...annotations },
        },
        spec: {
          ingressClassName: props.className ?? 'nginx',
          tls: [{ hosts: [host], secretName }],
          rule: [{ host, http: { path: paths } }],
        },
      }),
    );
  }
}
