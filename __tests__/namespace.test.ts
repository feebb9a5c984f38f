import { LimitRangeV1 } from '@cdktf/provider-kubernetes/lib/limit-range-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ResourceQuotaV1 } from '@cdktf/provider-kubernetes/lib/resource-quota-v1';
import { Testing } from 'cdktf';
import { Namespace } from '../features/namespace/namespace';

Testing.setupJest();

function synth(props: ConstructorParameters<typeof Namespace>[2]): string {
  return Testing.synthScope((scope) => new Namespace(scope, 'ns', props));
}

// cdktf's jest matchers compare the top level as a subset; nested objects
// match exactly unless wrapped in expect.objectContaining.
const enforced = (level: string) =>
  expect.objectContaining({ labels: expect.objectContaining({ 'pod-security.kubernetes.io/enforce': level }) });

describe('Namespace', () => {
  it('defaults to restricted, unprotected, with no quota or limits', () => {
    const out = synth({ name: 'apps' });
    expect(out).toHaveResourceWithProperties(NamespaceV1, {
      metadata: enforced('restricted'),
      lifecycle: { prevent_destroy: false },
    });
    expect(out).not.toHaveResource(ResourceQuotaV1);
    expect(out).not.toHaveResource(LimitRangeV1);
  });

  it('does not let extra labels override the Pod Security labels', () => {
    const out = synth({ name: 'apps', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } });
    expect(out).toHaveResourceWithProperties(NamespaceV1, { metadata: enforced('restricted') });
    expect(out).not.toHaveResourceWithProperties(NamespaceV1, { metadata: enforced('privileged') });
  });
});
