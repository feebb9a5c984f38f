import {
  NetworkPolicyV1,
  NetworkPolicyV1Spec,
  NetworkPolicyV1SpecEgress,
} from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { Construct } from 'constructs';
import { ANALYSIS_OF_LABEL, appSelector, managedLabels, namespaceByName } from '../../core/labels';

/** A service whose pods accept traffic on one port. */
export interface ServicePort {
  /** The `app` label of the service's pods. */
  readonly app: string;
  /** Container port (traffic and metrics). */
  readonly port: number;
}

/** Egress from pods to address ranges on one TCP port. */
export interface CidrEgress {
  readonly cidrs: readonly string[];
  readonly port: number;
}

export interface NamespaceNetworkPoliciesProps {
  /** The namespace the policies apply to. */
  readonly namespace: string;
  /** Namespaces of the edge's proxies (ingress-nginx, Envoy Gateway), allowed to reach the service ports. */
  readonly ingressNamespaces: readonly string[];
  /** Namespace of Prometheus, allowed to scrape the service ports. */
  readonly monitoringNamespace: string;
  readonly services: readonly ServicePort[];
  /** Address ranges every service may reach (database, cache). @default none */
  readonly egress?: readonly CidrEgress[];
  /** Prometheus, which a service's release analysis queries. @default the analysis reaches only the service */
  readonly prometheus?: {
    readonly namespace: string;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly port: number;
  };
}

/**
 * Default-deny for a namespace, then exactly what the services need: traffic
 * from the edge's proxies, Prometheus and the service's release analysis
 * to their port, DNS, and the named address ranges; the analysis may reach
 * only the service's pods and Prometheus. Other workloads add their own
 * allow policies.
 */
export class NamespaceNetworkPolicies extends Construct {
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: NamespaceNetworkPoliciesProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.policy('default-deny', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    this.policy('dns', 'allow-dns-egress', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: namespaceByName('kube-system'),
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: ['UDP', 'TCP'].map((protocol) => ({ port: '53', protocol })),
        },
      ],
    });
    const egress: NetworkPolicyV1SpecEgress[] = (props.egress ?? []).map((rule) => ({
      to: rule.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
      ports: [{ port: String(rule.port), protocol: 'TCP' }],
    }));
    for (const svc of props.services) this.addService(props, svc, egress);
  }

  private policy(id: string, name: string, spec: NetworkPolicyV1Spec): NetworkPolicyV1 {
    return new NetworkPolicyV1(this, id, {
      metadata: { name, namespace: this.namespace, labels: managedLabels() },
      spec,
    });
  }

  /** A service's ingress, its egress to the address ranges, and its release analysis's egress. */
  private addService(
    props: NamespaceNetworkPoliciesProps,
    svc: ServicePort,
    egress: NetworkPolicyV1SpecEgress[],
  ): void {
    const podSelector = { matchLabels: appSelector(svc.app) };
    const analysis = { matchLabels: { [ANALYSIS_OF_LABEL]: svc.app } };
    const servicePort = [{ port: String(svc.port), protocol: 'TCP' }];
    this.policy(`${svc.app}-ingress`, `allow-${svc.app}-ingress`, {
      podSelector,
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            ...props.ingressNamespaces.map((ns) => ({ namespaceSelector: namespaceByName(ns) })),
            { namespaceSelector: namespaceByName(props.monitoringNamespace) },
            { podSelector: analysis },
          ],
          ports: servicePort,
        },
      ],
    });
    const prometheus = props.prometheus;
    const toPrometheus: NetworkPolicyV1SpecEgress[] = prometheus
      ? [
          {
            to: [
              {
                namespaceSelector: namespaceByName(prometheus.namespace),
                podSelector: { matchLabels: { ...prometheus.podLabels } },
              },
            ],
            ports: [{ port: String(prometheus.port), protocol: 'TCP' }],
          },
        ]
      : [];
    this.policy(`${svc.app}-analysis-egress`, `allow-${svc.app}-analysis-egress`, {
      podSelector: analysis,
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector }], ports: servicePort }, ...toPrometheus],
    });
    if (egress.length > 0) {
      this.policy(`${svc.app}-egress`, `allow-${svc.app}-egress`, { podSelector, policyTypes: ['Egress'], egress });
    }
  }
}
