import { edgeNamespaces } from '../features/edge/schema';
import { environment, resourceNamed, synthJson } from './helpers';

describe('NamespaceNetworkPolicies (production)', () => {
  const json = synthJson('production');
  const policy = (name: string) => resourceNamed(json, 'kubernetes_network_policy_v1', name).spec;

  it('denies all ingress and egress by default', () => {
    expect(policy('default-deny-all')).toEqual({ pod_selector: {}, policy_types: ['Ingress', 'Egress'] });
  });

  it('allows DNS to kube-dns only', () => {
    expect(policy('allow-dns-egress').egress).toEqual([
      {
        to: [
          {
            namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            pod_selector: { match_labels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { port: '53', protocol: 'UDP' },
          { port: '53', protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('lets the edge’s proxies, Prometheus and the service’s release analysis reach the service port', () => {
    const spec = policy('allow-mls-server-ingress');
    const env = environment('production');
    expect(spec.pod_selector).toEqual({ match_labels: { app: 'mls-server' } });
    expect(spec.ingress).toEqual([
      {
        from: [
          ...edgeNamespaces(env.edge, env.ingressNamespace).map((ns) => ({
            namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': ns } },
          })),
          { namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
          { pod_selector: { match_labels: { 'mls.catbird.blue/analysis-of': 'mls-server' } } },
        ],
        ports: [{ port: '3000', protocol: 'TCP' }],
      },
    ]);
  });

  it('lets the release analysis reach only the service’s pods and Prometheus', () => {
    const spec = policy('allow-mls-server-analysis-egress');
    expect(spec.pod_selector).toEqual({ match_labels: { 'mls.catbird.blue/analysis-of': 'mls-server' } });
    expect(spec.policy_types).toEqual(['Egress']);
    expect(spec.egress).toEqual([
      { to: [{ pod_selector: { match_labels: { app: 'mls-server' } } }], ports: [{ port: '3000', protocol: 'TCP' }] },
      {
        to: [
          {
            namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            pod_selector: { match_labels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ port: '9090', protocol: 'TCP' }],
      },
    ]);
  });

  it('lets the service reach the database and Redis ranges on their ports', () => {
    expect(policy('allow-mls-server-egress').egress).toEqual([
      { to: [{ ip_block: { cidr: '10.20.32.0/20' } }], ports: [{ port: '5432', protocol: 'TCP' }] },
      { to: [{ ip_block: { cidr: '10.20.48.0/20' } }], ports: [{ port: '6379', protocol: 'TCP' }] },
    ]);
  });
});
