import { resourceNamed, synthJson } from './helpers';

describe('EnvironmentStack', () => {
  describe.each(['staging', 'production'] as const)('%s', (name) => {
    const json = synthJson(name);

    it('configures the AWS provider with region and default tags', () => {
      expect(json.provider.aws).toEqual([
        {
          region: 'us-east-1',
          default_tags: [
            { tags: { project: 'catbird-mls', environment: name, 'managed-by': 'cdktf', owner: 'devops' } },
          ],
        },
      ]);
    });

    it('points kubernetes and helm (3.x attribute syntax) at the kubeconfig context', () => {
      expect(json.provider.kubernetes).toEqual([{ config_path: '~/.kube/config', config_context: name }]);
      expect(json.provider.helm).toEqual([{ kubernetes: { config_path: '~/.kube/config', config_context: name } }]);
    });

    it('keeps state in S3, encrypted, with the native lock file, under <env>/terraform.tfstate', () => {
      expect(json.terraform.backend).toEqual({
        s3: {
          bucket: 'catbird-terraform-state',
          key: `${name}/terraform.tfstate`,
          region: 'us-east-1',
          encrypt: true,
          use_lockfile: true,
        },
      });
    });

    it('creates the service namespace with restricted Pod Security Admission', () => {
      const ns = resourceNamed(json, 'kubernetes_namespace_v1', name);
      expect(ns.metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
        environment: name,
      });
    });

    it('creates the monitoring namespace, privileged for node-exporter, warning at baseline', () => {
      const ns = resourceNamed(json, 'kubernetes_namespace_v1', 'monitoring');
      expect(ns.metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/warn': 'baseline',
      });
    });

    it('puts a quota and container limits on the service namespace', () => {
      const quota = resourceNamed(json, 'kubernetes_resource_quota_v1', `${name}-quota`);
      expect(quota.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\..*\.metadata\[0\]\.name\}$/);
      expect(Object.keys(quota.spec.hard).sort()).toEqual([
        'limits.cpu',
        'limits.memory',
        'pods',
        'requests.cpu',
        'requests.memory',
      ]);
      const limits = resourceNamed(json, 'kubernetes_limit_range_v1', `${name}-limits`);
      expect(limits.spec.limit[0].type).toBe('Container');
    });
  });

  it('sizes quotas per environment', () => {
    const hard = (name: 'staging' | 'production') =>
      resourceNamed(synthJson(name), 'kubernetes_resource_quota_v1', `${name}-quota`).spec.hard;
    expect(hard('staging')).toEqual({
      'requests.cpu': '2',
      'requests.memory': '4Gi',
      'limits.cpu': '4',
      'limits.memory': '8Gi',
      pods: '20',
    });
    expect(hard('production')['limits.cpu']).toBe('16');
  });

  it('protects production namespaces from destroy, not staging ones', () => {
    const prevent = (name: 'staging' | 'production') =>
      Object.values(synthJson(name).resource.kubernetes_namespace_v1!).map((ns) => ns.lifecycle?.prevent_destroy);
    expect(prevent('production')).toEqual([true, true]);
    expect(prevent('staging')).toEqual([false, false]);
  });
});
