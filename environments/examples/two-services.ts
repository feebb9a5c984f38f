import type { EnvironmentInput } from '../schema';
import { staging } from '../staging';
import type { EnvironmentSource } from '../validate';

/**
 * An example environment, never deployed: two services of different ports,
 * images and secrets, sharing nothing with the committed environments. The
 * tests synthesize it and the policy gate (npm run validate) checks it, so
 * what works for one service is shown to work for two.
 */
export const twoServices: EnvironmentInput = {
  ...staging,
  name: 'two-services',
  namespace: 'two-services',
  deployOnMerge: false,
  kubernetes: { ...staging.kubernetes, context: 'test-cluster' },
  stateBackend: { type: 's3', bucket: 'catbird-terraform-state-test', region: 'us-east-1' },
  quota: { requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi', pods: 40 },
  services: [
    {
      name: 'mls-server',
      imageRepository: 'ghcr.io/catbird/mls-server',
      usesDatabase: true,
      containerPort: 3000,
      replicas: 2,
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      env: { RUST_LOG: 'info', SERVER_PORT: '3000' },
      secret: {
        name: 'mls-secrets',
        keys: {
          'database-url': { env: 'DATABASE_URL', awsSecretId: 'mls-server/test/database-url' },
          'jwt-secret': { env: 'JWT_SECRET', awsSecretId: 'mls-server/test/jwt-secret' },
        },
      },
      ingress: {
        host: 'mls.test.catbird.blue',
        previewAllowedCidrs: ['10.100.0.0/16'],
        tlsSecretName: 'mls-server-tls',
        clusterIssuer: 'letsencrypt-staging',
      },
      did: { publicKeyMultibase: 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' },
      imagePullSecret: { awsSecretId: 'mls-server/test/ghcr-pull' },
      analysis: {
        // The MLS server's own smoke check (seed 004): an XRPC method is routed to the
        // server, which refuses an unauthenticated call with 401, not a 404 or a 5xx.
        smoke: [
          { name: 'health', path: '/health', status: 200 },
          { name: 'get_key_packages', path: '/xrpc/blue.catbird.mls.getKeyPackages', status: 401 },
        ],
      },
    },
    {
      name: 'agent-manager',
      imageRepository: 'ghcr.io/catbird/agent-manager',
      containerPort: 8080,
      servicePort: 8080,
      health: { liveness: '/livez', readiness: '/readyz', startup: '/livez' },
      replicas: 1,
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
      env: { LOG_LEVEL: 'info' },
      secret: {
        name: 'agent-manager-secrets',
        keys: { 'api-token': { env: 'API_TOKEN', awsSecretId: 'agent-manager/test/api-token' } },
      },
    },
  ],
  database: { ...staging.database, instanceIdentifier: 'mls-test' },
  backups: {
    ...staging.backups,
    bucketName: 'catbird-mls-backups-test',
    databaseUrl: { secret: 'mls-secrets', key: 'database-url' },
  },
  monitoring: {
    ...staging.monitoring,
    grafanaAdminSecretId: 'monitoring/test/grafana-admin-password',
    slackWebhookSecretId: 'monitoring/test/slack-webhook-url',
    slackChannel: '#mls-alerts-test',
    // The other shipper, so the policy gate renders its chart too.
    logShipper: 'promtail',
  },
};

export const twoServicesRelease = {
  services: {
    // Mid-release (switched), so the policy gate sees the release analysis Jobs too.
    'mls-server': {
      live: 'green',
      phase: 'switched',
      blue: { image: 'ghcr.io/catbird/mls-server:1.4.2', replicas: 2 },
      green: { image: 'ghcr.io/catbird/mls-server:1.5.0', replicas: 2, stage: 1 },
    },
    'agent-manager': {
      live: 'green',
      phase: 'stable',
      blue: { replicas: 0 },
      green: { image: 'ghcr.io/catbird/agent-manager:0.9.0', replicas: 1 },
    },
  },
  history: [],
  stages: 1,
};

/** The example environments, as ENVIRONMENTS lists the committed ones. */
export const EXAMPLE_ENVIRONMENTS: readonly EnvironmentSource[] = [
  { settings: twoServices, release: twoServicesRelease },
];
