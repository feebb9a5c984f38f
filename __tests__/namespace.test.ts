import { Testing } from 'cdktf';
import { Namespace } from '../constructs/namespace';

function synth(props: ConstructorParameters<typeof Namespace>[2]) {
  return JSON.parse(Testing.synthScope((scope) => new Namespace(scope, 'ns', props)));
}

describe('Namespace', () => {
  it('defaults to restricted, unprotected, with no quota or limits', () => {
    const json = synth({ name: 'apps' });
    const ns = Object.values(json.resource.kubernetes_namespace_v1)[0] as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(ns.lifecycle).toEqual({ prevent_destroy: false });
    expect(json.resource.kubernetes_resource_quota_v1).toBeUndefined();
    expect(json.resource.kubernetes_limit_range_v1).toBeUndefined();
  });

  it('does not let extra labels override the Pod Security labels', () => {
    const json = synth({ name: 'apps', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } });
    const ns = Object.values(json.resource.kubernetes_namespace_v1)[0] as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});
