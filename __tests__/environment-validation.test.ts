import { Testing } from 'cdktf';
import { ConfigError } from '../core/errors';
import { ENVIRONMENTS } from '../environments';
import { validateAll, validateEnvironment } from '../environments/validate';
import { buildStacks, checkEnvironments } from '../stacks/app';
import { ENV_NAMES, Edit, configIssues, source } from './helpers';

/**
 * What synth reports for an edited production: the file checks, then the
 * constructs' own (each rule has one owner; the user sees the field either way).
 */
function issues(edit: Edit) {
  try {
    checkEnvironments([source('production', edit)]);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('environment validation', () => {
  it('accepts the committed environments', () => {
    expect(validateAll(ENVIRONMENTS).map((e) => e.name)).toEqual(ENV_NAMES);
  });

  it("fills the defaults the stack reads, and leaves the constructs' own to them", () => {
    const [env] = validateAll([
      source('production', (s) => {
        delete s.services[0].containerPort;
        delete s.ingressNamespace;
        delete s.backups.schedule;
      }),
    ]);
    const svc = env!.services[0]!;
    // Read by the stack itself (network policies, namespaces): defaulted here.
    expect(svc.containerPort).toBe(3000);
    expect(env!.monitoringNamespace).toBe('monitoring');
    expect(env!.ingressNamespace).toBe('ingress-nginx');
    // Only passed on: the construct's documented default applies, so it is not written twice.
    expect(svc.servicePort).toBeUndefined();
    expect(svc.health).toBeUndefined();
    expect(env!.backups.schedule).toBeUndefined();
  });

  const cases: [string, Edit, string, RegExp][] = [
    ['a name that is not a DNS label', (s) => (s.name = 'Production'), 'name', /RFC 1123/],
    ['a namespace with an underscore', (s) => (s.namespace = 'prod_ns'), 'namespace', /RFC 1123/],
    ['zero replicas', (s) => (s.services[0].replicas = 0), 'services[0].replicas', /too small|>=1/],
    ['replicas as a string', (s) => (s.services[0].replicas = '3'), 'services[0].replicas', /expected number/],
    [
      'an impossible replica range',
      (s) => Object.assign(s.services[0].autoscaling, { minReplicas: 5, maxReplicas: 3 }),
      'services[0].autoscaling.minReplicas',
      /must be at least 1 and at most maxReplicas \(got 5\.\.3\)/,
    ],
    [
      'a malformed CPU limit',
      (s) => (s.services[0].resources.limits.cpu = '500 m'),
      'services[0].resources.limits.cpu',
      /CPU quantity.*got "500 m"/,
    ],
    [
      'a malformed memory request',
      (s) => (s.services[0].resources.requests.memory = '2GB'),
      'services[0].resources.requests.memory',
      /memory quantity/,
    ],
    [
      'requests above limits',
      (s) => (s.services[0].resources.requests.cpu = '600m'),
      'services[0].resources.requests.cpu',
      /must not exceed limits.cpu \(500m\)/,
    ],
    [
      'an upper-case image repository',
      (s) => (s.services[0].imageRepository = 'GHCR.io/Catbird'),
      'services[0].imageRepository',
      /image repository/,
    ],
    [
      'a port out of range',
      (s) => (s.services[0].containerPort = 70000),
      'services[0].containerPort',
      /too big|<=65535/,
    ],
    ['a mistyped field', (s) => (s.services[0].replcas = 3), 'services[0].replcas', /not a known field/],
    [
      'duplicate services',
      (s) =>
        s.services.push({ ...structuredClone(s.services[0]), ingress: undefined, did: undefined, secret: undefined }),
      'services[1].name',
      /duplicates service "mls-server"/,
    ],
    ['an invalid bucket name', (s) => (s.backups.bucketName = 'My_Bucket'), 'backups.bucketName', /3-63 characters/],
    [
      'an S3 backend with a bad bucket',
      (s) => (s.stateBackend = { type: 's3', bucket: 'a', region: 'us-east-1' }),
      'stateBackend.bucket',
      /3-63 characters/,
    ],
    [
      'an unknown backend',
      (s) => (s.stateBackend = { type: 'consul', bucket: 'catbird-terraform-state', region: 'us-east-1' }),
      'stateBackend.type',
      /must be "s3"/,
    ],
    [
      'local state in a committed file',
      (s) => (s.stateBackend = { type: 'local', bucket: 'catbird-terraform-state', region: 'us-east-1' }),
      'stateBackend.type',
      /must be "s3": local state is an opt-in for experiments \(LOCAL_STATE=1\), not a file setting/,
    ],
    ['no state backend', (s) => delete s.stateBackend, 'stateBackend', /expected object/],
    ['an unknown AWS region', (s) => (s.aws.region = 'mars-1'), 'aws.region', /AWS region/],
    ['an invalid CIDR', (s) => (s.database.cidrs = ['10.0.0.0/33']), 'database.cidrs[0]', /valid IPv4 CIDR/],
    [
      'an unknown log shipper',
      (s) => (s.monitoring.logShipper = 'fluentd'),
      'monitoring.logShipper',
      /alloy.*promtail/,
    ],
    [
      'an unknown colour',
      (_s, r) => (r.services['mls-server'].live = 'purple'),
      'release.services.mls-server.live',
      /blue.*green/,
    ],
    [
      'the latest tag',
      (_s, r) => (r.services['mls-server'].green.image = 'ghcr.io/catbird/mls-server:latest'),
      'release.services.mls-server.green.image',
      /"latest"/,
    ],
    [
      'an image without tag',
      (_s, r) => (r.services['mls-server'].green.image = 'ghcr.io/catbird/mls-server'),
      'release.services.mls-server.green.image',
      /pin a tag or a digest/,
    ],
    [
      'a malformed image reference',
      (_s, r) => (r.services['mls-server'].green.image = 'ghcr.io/catbird/mls server:1'),
      'release.services.mls-server.green.image',
      /image reference/,
    ],
    [
      'an image of another repository',
      (_s, r) => (r.services['mls-server'].green.image = 'docker.io/evil/mls-server:1.0.0'),
      'release.services.mls-server.green.image',
      /must be an image of ghcr.io\/catbird\/mls-server/,
    ],
    [
      'a live colour with no image',
      (_s, r) => delete r.services['mls-server'].blue.image,
      'release.services.mls-server.blue.image',
      /live colour "blue" has no image/,
    ],
    [
      'a live colour with zero replicas',
      (_s, r) => (r.services['mls-server'].blue.replicas = 0),
      'release.services.mls-server.blue.replicas',
      /must be at least 3: the live colour runs at full size \(got 0\)/,
    ],
    [
      'live replicas outside the HPA range',
      (_s, r) => (r.services['mls-server'].blue.replicas = 11),
      'release.services.mls-server.blue.replicas',
      /\(11\) must be within the autoscaling range 3\.\.10/,
    ],
    [
      'a release for an unknown service',
      (_s, r) => (r.services['other-svc'] = r.services['mls-server']),
      'release.services.other-svc',
      /not a service of this environment/,
    ],
    [
      'a LimitRange max.cpu below a container limit',
      (s) =>
        Object.assign(s.limitRange, { max: { cpu: '450m', memory: '4Gi' }, default: { cpu: '400m', memory: '512Mi' } }),
      'services[0].resources.limits.cpu',
      /exceeds limitRange\.max\.cpu \(450m\): the namespace would refuse the pods/,
    ],
    [
      'defaultRequest above default',
      (s) => (s.limitRange.defaultRequest.memory = '1Gi'),
      'limitRange.defaultRequest.memory',
      /must not exceed limitRange\.default\.memory \(512Mi\)/,
    ],
    [
      'default above max',
      (s) => (s.limitRange.default.cpu = '3'),
      'limitRange.default.cpu',
      /must not exceed limitRange\.max\.cpu \(2\)/,
    ],
    [
      'a pod quota below both colours at full size plus the HPA maximum',
      (s) => (s.quota.pods = 12),
      'quota.pods',
      /\(12\) is below what the services need at their peak, 13 pods \(mls-server 13: HPA maximum plus the other colour at full size\)/,
    ],
    [
      'a CPU request quota below the peak',
      (s) => (s.quota.requestsCpu = '3'),
      'quota.requestsCpu',
      /\(3\) is below the services' requests\.cpu at their peak, 3250m for 13 pods/,
    ],
    [
      'an impossible cron schedule',
      (s) => (s.backups.schedule = '99 99 * * *'),
      'backups.schedule',
      /minute field "99": 99 is out of range 0-59/,
    ],
    [
      'a four-field cron schedule',
      (s) => (s.backups.schedule = '0 2 * *'),
      'backups.schedule',
      /must have five fields/,
    ],
    [
      "a second service reusing the first one's Secret",
      (s) => s.services.push({ ...structuredClone(s.services[0]), name: 'agent', ingress: undefined, did: undefined }),
      'services[1].secret.name',
      /"mls-secrets" is also the Secret of service "mls-server": give each its own, or mark both shared: true/,
    ],
    [
      'Object Lock longer than retention',
      (s) => (s.backups.objectLockDays = 31),
      'backups.objectLockDays',
      /\(31\) must not exceed retentionDays \(30\)/,
    ],
    [
      'a backup database URL key no Secret has',
      (s) => (s.backups.databaseUrl.key = 'db-url'),
      'backups.databaseUrl.key',
      /"db-url" is not a key of Secret "mls-secrets"/,
    ],
    [
      'a history where nothing keeps snapshots',
      (s) => (s.database.snapshotsToKeep = 0),
      'release.history',
      /must be empty: database\.snapshotsToKeep is 0/,
    ],
    [
      'two releases naming one snapshot',
      (_s, r) => (r.history = ['1.4.2', '1-4-2']),
      'release.history[1]',
      /"1-4-2" names the same snapshot as "1\.4\.2" \(mls-production-pre-deploy-1-4-2\)/,
    ],
    [
      'a service without release entry',
      (_s, r) => delete r.services['mls-server'],
      'release.services.mls-server',
      /every service needs a release entry/,
    ],
  ];

  it.each(cases)('rejects %s at its field path', (_what, edit, path, message) => {
    const found = issues(edit);
    expect(found.map((i) => i.path)).toEqual([path]);
    expect(found[0]!.message).toMatch(message);
  });

  it('names the environment and the field in the error message', () => {
    expect(() => validateEnvironment(source('production', (s) => (s.services[0].replicas = -1)))).toThrow(
      /^environment "production": services\[0\]\.replicas: /,
    );
  });

  it('reports every problem, not only the first', () => {
    const found = issues((s) => {
      s.name = 'Bad Name';
      s.quota.pods = 0;
    });
    expect(found.map((i) => i.path)).toEqual(['name', 'quota.pods']);
  });

  it('rejects a file that is not an object', () => {
    expect(() => validateEnvironment({ settings: null, release: {} })).toThrow(
      /environment "<unnamed>": \(the whole file\): .*expected object/,
    );
  });

  describe('across environments', () => {
    const crossIssues = (edit: Edit) =>
      configIssues(() => validateAll([source('staging'), source('production', edit)]));

    it.each<[string, Edit, string]>([
      [
        'a namespace in the same kube context',
        (s) => {
          s.kubernetes.context = 'staging';
          s.namespace = 'staging';
        },
        'production: namespace: namespace "staging" in kube context "staging" is also used by environment "staging" (namespace)',
      ],
      [
        'the monitoring namespace in the same kube context',
        (s) => (s.kubernetes.context = 'staging'),
        'production: monitoringNamespace: namespace "monitoring" in kube context "staging" is also used by environment "staging" (monitoringNamespace)',
      ],
      [
        'a host',
        (s) => (s.services[0].ingress.previewHost = 'preview.staging.mls.catbird.blue'),
        'production: services[0].ingress.previewHost: host "preview.staging.mls.catbird.blue" is also used by environment "staging" (services[0].ingress.previewHost)',
      ],
      [
        'a bucket',
        (s) => (s.backups.bucketName = 'catbird-mls-backups-staging'),
        'production: backups.bucketName: bucket "catbird-mls-backups-staging" is also used by environment "staging" (backups.bucketName)',
      ],
      [
        'a Secrets Manager id',
        (s) => (s.monitoring.grafanaAdminSecretId = 'monitoring/staging/grafana-admin-password'),
        'production: monitoring.grafanaAdminSecretId: Secrets Manager id "monitoring/staging/grafana-admin-password" is also used by environment "staging" (monitoring.grafanaAdminSecretId)',
      ],
      [
        'a state file',
        (s) => (s.stateBackend.key = 'staging/terraform.tfstate'),
        'production: stateBackend: state file s3://catbird-terraform-state/staging/terraform.tfstate is also used by environment "staging" (stateBackend)',
      ],
    ])('refuses sharing %s', (_what, edit, message) => {
      expect(crossIssues(edit)).toContain(message);
    });

    it('accepts the committed environments together', () => {
      expect(() => validateAll(ENVIRONMENTS)).not.toThrow();
    });
  });

  it('maps a construct error to the environment and the field it came from', () => {
    const env = validateAll([source('production')])[0]!;
    const broken = { ...env, backups: { ...env.backups, objectLockDays: 60 } };
    expect(() => buildStacks(Testing.app(), [broken])).toThrow(
      'environment "production": backups.objectLockDays: (60) must not exceed retentionDays (30)',
    );
  });

  it('names the construct when the field of a refused prop is not known', () => {
    const env = validateAll([source('production')])[0]!;
    const broken = { ...env, kubernetes: { ...env.kubernetes, oidcProviderArn: 'not-an-arn' } };
    expect(() => buildStacks(Testing.app(), [broken])).toThrow(
      'environment "production": (construct) IrsaRole: oidcProviderArn is not an IAM OIDC provider ARN (got "not-an-arn")',
    );
  });

  it('rejects two environment files with one name', () => {
    expect(() => validateAll([source('production'), source('production')])).toThrow(
      'environment "production": name: is used by two environment files',
    );
  });
});
