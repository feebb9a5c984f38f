import { Testing } from 'cdktf';
import { BlueGreenService, BlueGreenServiceProps } from '../features/service/blue-green-service';
import { versionLabel } from '../core/image';
import { API_SERVICE, ENV_NAMES, resourceNamed, resourcesOf, synthJson, SynthJson } from './helpers';

const BASE: BlueGreenServiceProps = {
  ...API_SERVICE,
  ingress: {
    host: 'api.example.com',
    previewHost: 'preview.api.example.com',
    previewAllowedCidrs: ['10.0.0.0/8'],
    tlsSecretName: 'api-tls',
    clusterIssuer: 'letsencrypt-prod',
  },
};

function synth(overrides: Partial<BlueGreenServiceProps> = {}): SynthJson {
  return JSON.parse(Testing.synthScope((scope) => new BlueGreenService(scope, 'api', { ...BASE, ...overrides })));
}

/** Resource bodies keyed by type and construct path, without meta-arguments. */
function properties(json: SynthJson): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [type, resources] of Object.entries(json.resource)) {
    for (const [id, body] of Object.entries(resources)) {
      const { lifecycle: _l, depends_on: _d, '//': _m, ...props } = body as Record<string, unknown>;
      out[`${type}.${id}`] = props;
    }
  }
  return out;
}

describe('BlueGreenService', () => {
  it('creates a Deployment, PDB per colour, two Services, an HPA and an Ingress', () => {
    const json = synth();
    expect(
      resourcesOf(json, 'kubernetes_deployment_v1')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['api-blue', 'api-green']);
    expect(resourcesOf(json, 'kubernetes_pod_disruption_budget_v1').map((d) => d.spec.max_unavailable)).toEqual([
      '1',
      '1',
    ]);
    expect(
      resourcesOf(json, 'kubernetes_service_v1')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(['api', 'api-preview']);
    expect(resourcesOf(json, 'kubernetes_horizontal_pod_autoscaler_v2')).toHaveLength(1);
    expect(
      resourcesOf(json, 'kubernetes_ingress_v1')
        .map((i) => i.metadata.name)
        .sort(),
    ).toEqual(['api-preview', 'api-public', 'api-xrpc']);
  });

  it('points the Service at the live colour and the preview Service at the idle one', () => {
    const json = synth({ live: 'green' });
    expect(resourceNamed(json, 'kubernetes_service_v1', 'api').spec.selector).toEqual({ app: 'api', version: 'green' });
    expect(resourceNamed(json, 'kubernetes_service_v1', 'api-preview').spec.selector).toEqual({
      app: 'api',
      version: 'blue',
    });
  });

  it('selects pods on immutable labels only, and labels them with the recommended labels', () => {
    const d = resourceNamed(synth(), 'kubernetes_deployment_v1', 'api-blue');
    expect(d.spec.selector.match_labels).toEqual({ app: 'api', version: 'blue' });
    expect(d.spec.template.metadata.labels).toEqual({
      app: 'api',
      version: 'blue',
      'app.kubernetes.io/name': 'api',
      'app.kubernetes.io/instance': 'api-blue',
      'app.kubernetes.io/version': '1.0.0',
      'app.kubernetes.io/managed-by': 'cdktf',
    });
  });

  it('runs the restricted security context with a writable /tmp only', () => {
    const spec = resourceNamed(synth(), 'kubernetes_deployment_v1', 'api-blue').spec.template.spec;
    expect(spec.security_context).toMatchObject({ run_as_non_root: true, seccomp_profile: { type: 'RuntimeDefault' } });
    expect(spec.automount_service_account_token).toBe(false);
    expect(spec.container[0].security_context).toEqual({
      run_as_non_root: true,
      allow_privilege_escalation: false,
      privileged: false,
      read_only_root_filesystem: true,
      capabilities: { drop: ['ALL'] },
      seccomp_profile: { type: 'RuntimeDefault' },
    });
    expect(spec.container[0].volume_mount).toEqual([{ name: 'tmp', mount_path: '/tmp' }]);
    expect(spec.volume).toEqual([{ name: 'tmp', empty_dir: { size_limit: '64Mi' } }]);
  });

  it('spreads pods across nodes and zones', () => {
    const spec = resourceNamed(synth(), 'kubernetes_deployment_v1', 'api-blue').spec.template.spec;
    expect(spec.topology_spread_constraint.map((c: { topology_key: string }) => c.topology_key)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
  });

  it('probes the health paths on the named port', () => {
    const c = resourceNamed(synth(), 'kubernetes_deployment_v1', 'api-blue').spec.template.spec.container[0];
    expect(c.liveness_probe.http_get).toEqual({ path: '/health/live', port: 'http' });
    expect(c.readiness_probe.http_get).toEqual({ path: '/health/ready', port: 'http' });
    expect(c.startup_probe.http_get).toEqual({ path: '/health/live', port: 'http' });
    expect(c.port).toEqual([{ name: 'http', container_port: 3000, protocol: 'TCP' }]);
  });

  describe('replicas and the HPA', () => {
    it('lets the HPA own the live colour: replicas set at creation, later drift ignored', () => {
      const live = resourceNamed(synth(), 'kubernetes_deployment_v1', 'api-blue');
      expect(live.spec.replicas).toBe('3');
      expect(live.lifecycle).toEqual({ ignore_changes: ['spec[0].replicas'] });
    });

    it('has Terraform own the idle colour: its replicas apply on every change', () => {
      const idle = resourceNamed(
        synth({ green: { image: 'registry.example/api:1.1.0', replicas: 1 } }),
        'kubernetes_deployment_v1',
        'api-green',
      );
      expect(idle.spec.replicas).toBe('1');
      expect(idle.lifecycle).toBeUndefined();
    });

    it('without an HPA, Terraform owns the live colour too', () => {
      const live = resourceNamed(synth({ autoscaling: undefined }), 'kubernetes_deployment_v1', 'api-blue');
      expect(live.lifecycle).toBeUndefined();
    });

    it('targets the live colour with CPU and memory utilization and a scale-down window', () => {
      const hpa = resourcesOf(synth({ live: 'green' }), 'kubernetes_horizontal_pod_autoscaler_v2')[0];
      expect(hpa.spec.scale_target_ref).toEqual({
        api_version: 'apps/v1',
        kind: 'Deployment',
        name: expect.stringMatching(
          /^\$\{kubernetes_deployment_v1\.api_green_deployment_[0-9A-F]+\.metadata\[0\]\.name\}$/,
        ),
      });
      expect(hpa.spec.metric).toEqual([
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', average_utilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', average_utilization: 80 } } },
      ]);
      expect(hpa.spec.behavior.scale_down[0].stabilization_window_seconds).toBe(300);
      expect([hpa.spec.min_replicas, hpa.spec.max_replicas]).toEqual([3, 10]);
    });
  });

  describe('ordering inside one apply', () => {
    const json = synth({ colourDependencies: { blue: [{ fqn: 'aws_db_snapshot.release' }] } });
    const deployments = json.resource.kubernetes_deployment_v1!;
    const [blueId] = Object.keys(deployments).filter((id) => id.includes('blue'));
    const service = resourceNamed(json, 'kubernetes_service_v1', 'api');

    it('rolls the live colour out after its dependencies (the release snapshot)', () => {
      expect(deployments[blueId!].depends_on).toEqual(['aws_db_snapshot.release']);
    });

    it('switches the Service only after the live colour rolled out, at full size', () => {
      expect(deployments[blueId!].wait_for_rollout).toBe(true);
      expect(service.depends_on).toEqual([`kubernetes_deployment_v1.${blueId}`]);
      expect(service.lifecycle.precondition).toEqual([
        {
          condition: `\${tonumber(kubernetes_deployment_v1.${blueId}.spec[0].replicas) >= 3}`,
          error_message: expect.stringContaining('api-blue must run at least 3 replicas'),
        },
      ]);
    });

    it('changes the old colour only after traffic left it', () => {
      const green = resourceNamed(json, 'kubernetes_deployment_v1', 'api-green');
      expect(green.depends_on).toEqual([expect.stringMatching(/^kubernetes_service_v1\.api_service_[0-9A-F]+$/)]);
    });
  });

  it('switching colour changes only the Service selectors and the HPA target', () => {
    const [before, after] = [properties(synth({ live: 'blue' })), properties(synth({ live: 'green' }))];
    const changed = Object.keys(before).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(changed.map((k) => k.replace(/_[0-9A-F]{8}$/, '')).sort()).toEqual([
      'kubernetes_horizontal_pod_autoscaler_v2.api_hpa',
      'kubernetes_service_v1.api_preview',
      'kubernetes_service_v1.api_service',
    ]);
  });

  it('creates no Deployment for a colour that has no image', () => {
    const json = synth({ green: { replicas: 0 } });
    expect(resourcesOf(json, 'kubernetes_deployment_v1').map((d) => d.metadata.name)).toEqual(['api-blue']);
  });

  it.each([
    [{ blue: { replicas: 3 } }, /blue\.image is required: the live colour "blue" has no image/],
    [
      { blue: { image: 'r/api:1', replicas: 0 } },
      /blue\.replicas must be at least 3: the live colour runs at full size/,
    ],
    [
      { blue: { image: 'r/api:1', replicas: 2 } },
      /blue\.replicas must be at least 3: the live colour runs at full size \(got 2\)/,
    ],
    [{ fullReplicas: 0, blue: { image: 'r/api:1', replicas: 0 } }, /blue\.replicas must be at least 1/],
    [{ green: { replicas: 1 } }, /green\.image is required: colour "green" has replicas but no image/],
    [
      { autoscaling: { minReplicas: 5, maxReplicas: 2 } },
      /minReplicas must be at least 1 and at most maxReplicas \(got 5\.\.2\)/,
    ],
    [
      { autoscaling: { minReplicas: 4, maxReplicas: 6 } },
      /fullReplicas \(3\) must be within the autoscaling range 4\.\.6/,
    ],
    [
      { autoscaling: { minReplicas: 1, maxReplicas: 2 } },
      /fullReplicas \(3\) must be within the autoscaling range 1\.\.2/,
    ],
    [{ live: 'purple' as never }, /live must be blue or green/],
  ])('refuses impossible props %#', (overrides, message) => {
    expect(() => synth(overrides as Partial<BlueGreenServiceProps>)).toThrow(message);
  });

  it('shapes image tags and digests as label values', () => {
    expect(versionLabel('r/api:1.2.3')).toBe('1.2.3');
    expect(versionLabel('r/api@sha256:' + 'a'.repeat(64))).toBe('sha256-aaaaaaaaaaaa');
    expect(versionLabel('localhost:5000/api:v1-')).toBe('v1');
  });
});

describe('services in the environment stacks', () => {
  describe.each(ENV_NAMES)('%s', (name) => {
    const deployments = resourcesOf(synthJson(name), 'kubernetes_deployment_v1');

    it('has the blue/green pair', () => {
      const colours = deployments.filter((d) => d.metadata.labels.version);
      expect(colours.map((d) => d.metadata.name).sort()).toEqual(['mls-server-blue', 'mls-server-green']);
    });

    it.each(['blue', 'green'])(
      'gives %s probes, requests and limits, the restricted context and a pinned tag',
      (colour) => {
        const c = deployments.find((d) => d.metadata.name === `mls-server-${colour}`)!.spec.template.spec.container[0];
        expect(c.liveness_probe && c.readiness_probe && c.startup_probe).toBeTruthy();
        expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
        expect(c.security_context).toMatchObject({
          allow_privilege_escalation: false,
          read_only_root_filesystem: true,
        });
        expect(c.image).toMatch(/^ghcr\.io\/catbird\/mls-server:[^:]+$/);
        expect(c.image).not.toMatch(/:latest$/);
      },
    );
  });

  it('runs several services, each with its own pair', () => {
    const json = synthJson('production', (s, r) => {
      const copy = structuredClone(s.services[0]);
      s.services.push({
        ...copy,
        name: 'agent-manager',
        ingress: undefined,
        did: undefined,
        secret: { ...copy.secret, name: 'agent-manager-secrets' },
      });
      r.services['agent-manager'] = structuredClone(r.services['mls-server']);
    });
    expect(
      resourcesOf(json, 'kubernetes_deployment_v1')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['agent-manager-blue', 'agent-manager-green', 'mls-server-blue', 'mls-server-did', 'mls-server-green']);
    expect(
      resourcesOf(json, 'kubernetes_network_policy_v1')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual([
      'allow-agent-manager-analysis-egress',
      'allow-agent-manager-egress',
      'allow-agent-manager-ingress',
      'allow-db-backup-egress',
      'allow-dns-egress',
      'allow-mls-server-analysis-egress',
      'allow-mls-server-did-ingress',
      'allow-mls-server-egress',
      'allow-mls-server-ingress',
      'default-deny-all',
    ]);
  });
});
