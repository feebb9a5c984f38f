import { PREVENT_DESTROY_TYPES, PROTECTED_TYPES } from '../core/protection';
import { ENV_NAMES, environment, resourceNamed, synthJson } from './helpers';

describe('EnvironmentStack', () => {
  describe.each(ENV_NAMES)('%s', (name) => {
    const json = synthJson(name);
    const env = environment(name);

    it('configures the AWS provider with region and default tags', () => {
      expect(json.provider.aws).toEqual([{ region: env.aws.region, default_tags: [{ tags: env.aws.tags }] }]);
      expect(env.aws.tags.environment).toBe(name);
    });

    it('points kubernetes and helm (3.x attribute syntax) at the kubeconfig context', () => {
      const kube = { config_path: env.kubernetes.configPath, config_context: env.kubernetes.context };
      expect(json.provider.kubernetes).toEqual([kube]);
      expect(json.provider.helm).toEqual([{ kubernetes: kube }]);
    });

    it('keeps state in S3, encrypted, with the native lock file, under <env>/terraform.tfstate', () => {
      expect(json.terraform.backend).toEqual({
        s3: {
          bucket: env.stateBackend.bucket,
          key: `${name}/terraform.tfstate`,
          region: env.stateBackend.region,
          encrypt: true,
          use_lockfile: true,
        },
      });
    });

    it('creates the service namespace with restricted Pod Security Admission', () => {
      const ns = resourceNamed(json, 'kubernetes_namespace_v1', env.namespace);
      expect(ns.metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
        environment: name,
      });
    });

    (env.monitoring.enabled ? it : it.skip)(
      'creates the monitoring namespace, privileged for node-exporter, warning at baseline',
      () => {
        const ns = resourceNamed(json, 'kubernetes_namespace_v1', env.monitoringNamespace);
        expect(ns.metadata.labels).toMatchObject({
          'pod-security.kubernetes.io/enforce': 'privileged',
          'pod-security.kubernetes.io/warn': 'baseline',
        });
      },
    );

    it('puts a quota and container limits on the service namespace', () => {
      const quota = resourceNamed(json, 'kubernetes_resource_quota_v1', `${env.namespace}-quota`);
      expect(quota.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\..*\.metadata\[0\]\.name\}$/);
      expect(Object.keys(quota.spec.hard).sort()).toEqual([
        'limits.cpu',
        'limits.memory',
        'pods',
        'requests.cpu',
        'requests.memory',
      ]);
      const limits = resourceNamed(json, 'kubernetes_limit_range_v1', `${env.namespace}-limits`);
      expect(limits.spec.limit[0].type).toBe('Container');
    });
  });

  it('sizes quotas per environment', () => {
    const hard = (name: string) =>
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
    const prevent = (name: string) =>
      Object.values(synthJson(name).resource.kubernetes_namespace_v1!).map((ns) => ns.lifecycle?.prevent_destroy);
    // The services', the monitoring stack's, External Secrets Operator's and Envoy Gateway's.
    expect(prevent('production')).toEqual([true, true, true, true]);
    expect(prevent('staging')).toEqual([false, false, false, false]);
  });
});

describe('protection, from one definition (constructs/protection.ts)', () => {
  const preventDestroyTypes = (name: string) =>
    Object.entries(synthJson(name).resource).flatMap(([type, byId]) =>
      Object.values(byId)
        .filter((r: any) => r.lifecycle?.prevent_destroy === true) // eslint-disable-line @typescript-eslint/no-explicit-any
        .map(() => type),
    );

  it.each(ENV_NAMES)('%s: prevent_destroy only on the protected types, and the plan summary flags them all', (name) => {
    for (const type of preventDestroyTypes(name)) {
      expect(PREVENT_DESTROY_TYPES).toContain(type);
      expect(PROTECTED_TYPES.has(type)).toBe(true);
    }
  });

  it('production protects a resource of every protected type', () => {
    expect([...new Set(preventDestroyTypes('production'))].sort()).toEqual([...PREVENT_DESTROY_TYPES].sort());
  });
});
