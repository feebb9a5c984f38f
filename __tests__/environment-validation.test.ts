import { ENVIRONMENTS } from '../environments';
import { ConfigError } from '../environments/errors';
import { validateAll, validateEnvironment } from '../environments/validate';
import { Edit, source } from './helpers';

function issues(edit: Edit) {
  try {
    validateEnvironment(source('production', edit));
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('environment validation', () => {
  it('accepts the committed environments', () => {
    expect(validateAll(ENVIRONMENTS).map((e) => e.name)).toEqual(['staging', 'production']);
  });

  it('fills documented defaults', () => {
    const [env] = validateAll([source('production', (s) => delete s.services[0].containerPort)]);
    const svc = env!.services[0]!;
    expect(svc.containerPort).toBe(3000);
    expect(svc.servicePort).toBe(80);
    expect(svc.health).toEqual({ liveness: '/health/live', readiness: '/health/ready', startup: '/health/live' });
    expect(env!.monitoringNamespace).toBe('monitoring');
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
      /must not exceed maxReplicas \(3\)/,
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
      (s) => (s.services[0].resources.requests.cpu = '1'),
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
      (s) => s.services.push(structuredClone(s.services[0])),
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
      /live colour "blue" has zero replicas/,
    ],
    [
      'live replicas outside the HPA range',
      (_s, r) => (r.services['mls-server'].blue.replicas = 11),
      'release.services.mls-server.blue.replicas',
      /between autoscaling.minReplicas \(3\) and maxReplicas \(10\)/,
    ],
    [
      'a release for an unknown service',
      (_s, r) => (r.services['other-svc'] = r.services['mls-server']),
      'release.services.other-svc',
      /not a service of this environment/,
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

  it('rejects two environment files with one name', () => {
    expect(() => validateAll([source('production'), source('production')])).toThrow(
      'environment "production": name: is used by two environment files',
    );
  });
});
