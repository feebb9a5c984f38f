import { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';
import { helmValues } from '../../constructs/helm-values';
import { Namespace } from '../namespace/namespace';

/**
 * Envoy Gateway's chart, pinned to the archive verified in ../shared/charts
 * (the Gateway API CRDs v1.6.1 and Envoy Gateway's own policy CRDs come with it).
 */
export const ENVOY_GATEWAY_CHART = {
  repository: 'oci://docker.io/envoyproxy',
  chart: 'gateway-helm',
  version: 'v1.9.1',
} as const;

export interface EnvoyGatewayProps {
  /** Namespace of the controller and of the proxies it deploys. */
  readonly namespace: string;
  /** Controller replicas; two keep the edge configurable through a node drain. @default 1 */
  readonly replicas?: number;
  /** Refuse destroy of the namespace. @default false */
  readonly protect?: boolean;
}

/**
 * Envoy Gateway, the edge's controller: its namespace (baseline enforced,
 * restricted warned: the proxies are the controller's making) and its chart,
 * which installs the CRDs before the edge's own release uses them.
 */
export class EnvoyGateway extends Construct {
  public readonly release: Release;
  public readonly namespace: Namespace;

  constructor(scope: Construct, id: string, props: EnvoyGatewayProps) {
    super(scope, id);
    const replicas = props.replicas ?? 1;
    this.namespace = new Namespace(this, 'namespace', {
      name: props.namespace,
      podSecurity: 'baseline',
      podSecurityWarn: 'restricted',
      protect: props.protect,
    });
    this.release = new Release(this, 'controller', {
      name: 'envoy-gateway',
      namespace: this.namespace.namespaceName,
      ...ENVOY_GATEWAY_CHART,
      values: [
        helmValues({
          deployment: { replicas },
          // One controller may be away (a drain) only when another serves.
          podDisruptionBudget: { minAvailable: replicas >= 2 ? 1 : 0 },
        }),
      ],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: 600,
      maxHistory: 10,
    });
  }
}
