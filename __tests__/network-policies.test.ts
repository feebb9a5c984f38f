import { resourceNamed, synthJson } from './helpers';

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

  it('lets the ingress controller and Prometheus reach the service port', () => {
    const spec = policy('allow-mls-server-ingress');
    expect(spec.pod_selector).toEqual({ match_labels: { app: 'mls-server' } });
    expect(spec.ingress).toEqual([
      {
        from: [
          { namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
          { namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
        ports: [{ port: '3000', protocol: 'TCP' }],
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
