import { createHash } from 'node:crypto';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { DeploymentV1, DeploymentV1SpecTemplateSpecContainer } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Construct } from 'constructs';
import { appSelector, namespaceByName, serviceLabels } from '../../core/labels';
import { DID_DOCUMENT_PATH, NGINX_UNPRIVILEGED_IMAGE, NGINX_UNPRIVILEGED_UID } from '../../core/names';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../constructs/pod-security';

/** What a did:web document says about a service: its key and where it answers. */
export interface DidDocumentProps {
  /** The DID, `did:web:<host>`. */
  readonly id: string;
  /** The public key, multibase (base58btc, starting with `z`). Public data. */
  readonly publicKeyMultibase: string;
  /** Where the service answers, `https://<host>`. */
  readonly serviceEndpoint: string;
}

/** The DID document: a Multikey verification method and the AtprotoMlsService endpoint. */
export function didDocument(props: DidDocumentProps) {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: props.id,
    verificationMethod: [
      {
        id: `${props.id}#atproto`,
        type: 'Multikey',
        controller: props.id,
        publicKeyMultibase: props.publicKeyMultibase,
      },
    ],
    service: [{ id: '#atproto_mls', type: 'AtprotoMlsService', serviceEndpoint: props.serviceEndpoint }],
  };
}

export interface DidResponderProps {
  /** Object names: `<name>` for the Deployment, Service, ConfigMap and policy. */
  readonly name: string;
  readonly namespace: string;
  readonly document: DidDocumentProps;
  /** Namespaces of the edge's proxies, the only clients admitted. */
  readonly ingressNamespaces: readonly string[];
  /** Replicas; with two or more, a PodDisruptionBudget keeps one up. @default 1 */
  readonly replicas?: number;
  /** `app.kubernetes.io/part-of` label. @default none */
  readonly partOf?: string;
}

const PORT = 8080;

/** The responder's nginx server: the document with CORS, a health path, 404 for the rest. No `${`: Terraform would read it. */
function serverConfig(path: string): string {
  return [
    'server {',
    `  listen ${PORT};`,
    '  server_tokens off;',
    `  location = ${path} {`,
    '    types { }',
    '    default_type application/json;',
    '    add_header Access-Control-Allow-Origin "*" always;',
    '    add_header Cache-Control "public, max-age=300" always;',
    '    alias /usr/share/nginx/did/did.json;',
    '  }',
    '  location = /healthz {',
    '    access_log off;',
    '    default_type text/plain;',
    '    return 200 "ok\\n";',
    '  }',
    '  location / {',
    '    return 404;',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The unprivileged nginx, serving the ConfigMap's document and server block. */
function nginxContainer(): DeploymentV1SpecTemplateSpecContainer {
  const healthz = { httpGet: { path: '/healthz', port: 'http' }, timeoutSeconds: 2 };
  return {
    name: 'nginx',
    image: NGINX_UNPRIVILEGED_IMAGE,
    imagePullPolicy: 'Always',
    port: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    livenessProbe: { ...healthz, periodSeconds: 10 },
    readinessProbe: { ...healthz, periodSeconds: 5 },
    securityContext: restrictedContainerSecurityContext(),
    volumeMount: [
      { name: 'config', mountPath: '/etc/nginx/conf.d/default.conf', subPath: 'default.conf', readOnly: true },
      { name: 'config', mountPath: '/usr/share/nginx/did/did.json', subPath: 'did.json', readOnly: true },
      // nginx-unprivileged keeps its pid and temp files in /tmp; the root is read-only.
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

/** The port of the responder's Service (the edge routes to it). */
export const DID_SERVICE_PORT = 80;

/**
 * Serves a service's DID document as static JSON with
 * `Access-Control-Allow-Origin: *` (browsers resolve it cross-origin), from a
 * ConfigMap, by an unprivileged nginx under the restricted profile. Only
 * the ingress controller may reach it. No ingress-nginx snippet annotation
 * is needed (they are off by default since CVE-2025-1974).
 */
export class DidResponder extends Construct {
  /** The Service name (a reference, so the Ingress waits for it). */
  public readonly serviceName: string;
  public readonly deployment: DeploymentV1;

  constructor(scope: Construct, id: string, props: DidResponderProps) {
    super(scope, id);
    const { name, namespace } = props;
    const replicas = props.replicas ?? 1;
    const selector = appSelector(name);
    const labels = serviceLabels(name, props.partOf);
    const data = {
      'did.json': `${JSON.stringify(didDocument(props.document), null, 2)}\n`,
      'default.conf': serverConfig(DID_DOCUMENT_PATH),
    };
    const config = new ConfigMapV1(this, 'config', { metadata: { name, namespace, labels }, data });
    // A changed document or config rolls the pods.
    const checksum = createHash('sha256').update(JSON.stringify(data)).digest('hex');

    this.deployment = new DeploymentV1(this, 'deployment', {
      metadata: { name, namespace, labels },
      waitForRollout: true,
      spec: {
        replicas: String(replicas),
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { 'checksum/config': checksum } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(NGINX_UNPRIVILEGED_UID),
            topologySpreadConstraint: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: [{ matchLabels: selector }],
              },
            ],
            container: [nginxContainer()],
            volume: [
              { name: 'config', configMap: { name: config.metadata.name } },
              { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
            ],
          },
        },
      },
    });

    if (replicas >= 2) this.keepOneUp(props, labels);
    this.serviceName = this.addService(props, labels);
    this.admitIngressOnly(props, labels);
  }

  /** With two or more replicas, a PodDisruptionBudget keeps one serving through drains. */
  private keepOneUp(props: DidResponderProps, labels: Record<string, string>): void {
    new PodDisruptionBudgetV1(this, 'pdb', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: { maxUnavailable: '1', selector: { matchLabels: appSelector(props.name) } },
    });
  }

  private addService(props: DidResponderProps, labels: Record<string, string>): string {
    const service = new ServiceV1(this, 'service', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: appSelector(props.name),
        port: [{ name: 'http', port: DID_SERVICE_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    });
    return service.metadata.name;
  }

  /** Only the edge's proxies may reach the responder. */
  private admitIngressOnly(props: DidResponderProps, labels: Record<string, string>): void {
    const { name, namespace } = props;
    const selector = appSelector(name);
    new NetworkPolicyV1(this, 'network-policy', {
      metadata: { name: `allow-${name}-ingress`, namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: props.ingressNamespaces.map((ns) => ({ namespaceSelector: namespaceByName(ns) })),
            ports: [{ port: String(PORT), protocol: 'TCP' }],
          },
        ],
      },
    });
  }
}
