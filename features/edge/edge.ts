import { Release } from '@cdktf/provider-helm/lib/release';
import { AssetType, ITerraformDependable, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { PropsError } from '../../core/errors';
import { helmValues } from '../../constructs/helm-values';
import { edgeProblems } from './checks';
import { EnvoyGateway } from './envoy-gateway';
import {
  GrafanaEdge,
  KubeObject,
  Parent,
  ServiceEdge,
  grafanaEdgeObjects,
  ownGatewayObjects,
  serviceEdgeObjects,
} from './gateway-api';

/** The Gateway this program installs: Envoy Gateway's controller and a Gateway of the environment's own. */
export interface InstalledGateway {
  /** Namespace of the controller and its proxies. */
  readonly controllerNamespace: string;
  /** cert-manager ClusterIssuer of every listener's certificate. */
  readonly clusterIssuer: string;
  /** Envoy proxies (and controllers). @default 1 */
  readonly replicas?: number;
}

/** A Gateway the cluster already has (Envoy Gateway's): the routes attach to it as a whole. */
export interface ExistingGateway {
  readonly name: string;
  readonly namespace: string;
}

export interface EdgeProps {
  /** Namespace of the edge's release and of the environment's own Gateway (the services'). */
  readonly namespace: string;
  /** Exactly one of `install` and `existing`. */
  readonly install?: InstalledGateway;
  readonly existing?: ExistingGateway;
  readonly services: readonly ServiceEdge[];
  /** Grafana's route. @default none */
  readonly grafana?: GrafanaEdge;
  /** What the routes wait for (the namespaces, the Services). @default nothing */
  readonly dependsOn?: readonly ITerraformDependable[];
  /** Refuse destroy of the controller's namespace. @default false */
  readonly protect?: boolean;
}

/** Our own Gateway's name and class. */
export const OWN_GATEWAY = { name: 'edge', className: 'envoy-gateway' } as const;

/**
 * The environment's edge on the Gateway API: each service's routes and
 * policies, Grafana's route, and, when installed, Envoy Gateway and the
 * environment's own Gateway; all as one release of charts/edge, after the
 * controller's chart (which brings the CRDs). The objects are checked
 * (`edgeProblems`) before anything is written.
 */
export class Edge extends Construct {
  public readonly release: Release;
  public readonly controller?: EnvoyGateway;
  /** Every object the release holds, in order. */
  public readonly objects: readonly KubeObject[];

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    if (Boolean(props.install) === Boolean(props.existing)) {
      throw new PropsError('Edge', 'install', 'exactly one of install and existing must be given');
    }
    const parent: Parent = props.install
      ? { name: OWN_GATEWAY.name, namespace: props.namespace, ownListeners: true }
      : { ...props.existing!, ownListeners: false };
    this.objects = [
      ...(props.install ? this.gatewayObjects(props, props.install) : []),
      ...props.services.flatMap((s) => serviceEdgeObjects(s, parent)),
      ...(props.grafana ? grafanaEdgeObjects(props.grafana, parent) : []),
    ];
    const problems = edgeProblems(this.objects, {
      wholeHosts: props.grafana ? [props.grafana.host] : [],
      previewHosts: Object.fromEntries(props.services.map((s) => [s.previewHost, s.previewAllowedCidrs])),
    });
    if (problems.length > 0) throw new PropsError('Edge', 'services', problems.join('; '));
    if (props.install) {
      this.controller = new EnvoyGateway(this, 'envoy-gateway', {
        namespace: props.install.controllerNamespace,
        replicas: props.install.replicas,
        protect: props.protect,
      });
    }
    this.release = this.declare(props);
  }

  private gatewayObjects(props: EdgeProps, install: InstalledGateway): KubeObject[] {
    const listeners = props.services.flatMap((s) => [
      { host: s.host, tlsSecretName: s.tlsSecretName, routeNamespace: s.namespace },
      { host: s.previewHost, tlsSecretName: `${s.tlsSecretName}-preview`, routeNamespace: s.namespace },
    ]);
    if (props.grafana) {
      const g = props.grafana;
      listeners.push({ host: g.host, tlsSecretName: g.tlsSecretName, routeNamespace: g.namespace });
    }
    return ownGatewayObjects({
      ...OWN_GATEWAY,
      namespace: props.namespace,
      clusterIssuer: install.clusterIssuer,
      listeners,
      // At least Envoy's own default (5 minutes).
      streamIdleSeconds: Math.max(300, ...props.services.map((s) => s.timeouts.idle)),
      replicas: install.replicas ?? 1,
    });
  }

  private declare(props: EdgeProps): Release {
    const chart = new TerraformAsset(this, 'chart', { path: 'charts/edge', type: AssetType.DIRECTORY });
    return new Release(this, 'routes', {
      dependsOn: [...(this.controller ? [this.controller.release] : []), ...(props.dependsOn ?? [])],
      name: 'edge',
      namespace: props.namespace,
      chart: chart.path,
      values: [helmValues({ objects: this.objects })],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: 300,
      maxHistory: 10,
    });
  }
}
