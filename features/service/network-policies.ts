import {
  NetworkPolicyV1,
  NetworkPolicyV1Spec,
  NetworkPolicyV1SpecEgress,
} from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { Construct } from 'constructs';
import { appSelector, managedLabels } from '../../core/labels';

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
  /** Namespace of the ingress controller, allowed to reach the service ports. */
  readonly ingressNamespace: string;
  /** Namespace of Prometheus, allowed to scrape the service ports. */
  readonly monitoringNamespace: string;
  readonly services: readonly ServicePort[];
  /** Address ranges every service may reach (database, cache). @default none */
  readonly egress?: readonly CidrEgress[];
}

const byName = (namespace: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': namespace } });

/**
 * Default-deny for a namespace, then exactly what the services need: traffic
 * from the ingress controller and Prometheus to their port, DNS, and the
 * named address ranges. Other workloads add their own allow policies.
 */
export class NamespaceNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NamespaceNetworkPoliciesProps) {
    super(scope, id);
    const policy = (pid: string, name: string, spec: NetworkPolicyV1Spec) =>
      new NetworkPolicyV1(this, pid, { metadata: { name, namespace: props.namespace, labels: managedLabels() }, spec });

    policy('default-deny', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('dns', 'allow-dns-egress', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: byName('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: ['UDP', 'TCP'].map((protocol) => ({ port: '53', protocol })),
        },
      ],
    });

    const egress: NetworkPolicyV1SpecEgress[] = (props.egress ?? []).map((rule) => ({
      to: rule.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
      ports: [{ port: String(rule.port), protocol: 'TCP' }],
    }));
    for (const svc of props.services) {
      const podSelector = { matchLabels: appSelector(svc.app) };
      policy(`${svc.app}-ingress`, `allow-${svc.app}-ingress`, {
        podSelector,
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              { namespaceSelector: byName(props.ingressNamespace) },
              { namespaceSelector: byName(props.monitoringNamespace) },
            ],
            ports: [{ port: String(svc.port), protocol: 'TCP' }],
          },
        ],
      });
      if (egress.length > 0) {
        policy(`${svc.app}-egress`, `allow-${svc.app}-egress`, { podSelector, policyTypes: ['Egress'], egress });
      }
    }
  }
}
