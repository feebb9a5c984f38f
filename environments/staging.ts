import type { EnvironmentInput } from './schema';

/**
 * Staging: a small mirror of production (1 replica per service). The
 * old colour is scaled to zero after a switch, and snapshots are not kept.
 */
export const staging: EnvironmentInput = {
  name: 'staging',
  namespace: 'staging',
  protect: false,
  deployOnMerge: true,
  aws: {
    region: 'us-east-1',
    tags: { project: 'catbird-mls', environment: 'staging', 'managed-by': 'cdktf', owner: 'devops' },
  },
  kubernetes: {
    configPath: '~/.kube/config',
    context: 'staging',
    oidcProviderArn:
      'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/STAGING000000000000000000000000',
  },
  stateBackend: { type: 's3', bucket: 'catbird-terraform-state', region: 'us-east-1' },
  quota: { requestsCpu: '2', requestsMemory: '4Gi', limitsCpu: '4', limitsMemory: '8Gi', pods: 20 },
  limitRange: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    default: { cpu: '500m', memory: '512Mi' },
    max: { cpu: '1', memory: '1Gi' },
  },
  services: [
    {
      name: 'mls-server',
      imageRepository: 'ghcr.io/catbird/mls-server',
      usesDatabase: true,
      replicas: 1,
      idleReplicas: 0,
      autoscaling: { minReplicas: 1, maxReplicas: 3, cpuUtilization: 70, memoryUtilization: 80 },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      env: { RUST_LOG: 'debug', SERVER_PORT: '3000' },
      secret: {
        name: 'mls-secrets',
        keys: {
          'database-url': { env: 'DATABASE_URL', awsSecretId: 'mls-server/staging/database-url' },
          'redis-url': { env: 'REDIS_URL', awsSecretId: 'mls-server/staging/redis-url' },
          'jwt-secret': { env: 'JWT_SECRET', awsSecretId: 'mls-server/staging/jwt-secret' },
        },
      },
      ingress: {
        host: 'staging.mls.catbird.blue',
        // The team's VPN: the idle colour runs unreleased builds.
        previewAllowedCidrs: ['10.100.0.0/16'],
        tlsSecretName: 'mls-server-tls',
        clusterIssuer: 'letsencrypt-staging',
      },
      did: {
        // A placeholder, syntactically valid; set the real public key before the first deploy.
        publicKeyMultibase: 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      },
      imagePullSecret: { awsSecretId: 'mls-server/staging/ghcr-pull' },
      analysis: {
        // The MLS server's own smoke check (seed 004): an XRPC method is routed to the
        // server, which refuses an unauthenticated call with 401, not a 404 or a 5xx.
        smoke: [
          { name: 'health', path: '/health', status: 200 },
          { name: 'get_key_packages', path: '/xrpc/blue.catbird.mls.getKeyPackages', status: 401 },
        ],
      },
    },
  ],
  database: { instanceIdentifier: 'mls-staging', cidrs: ['10.10.32.0/20'], snapshotsToKeep: 0 },
  redis: { cidrs: ['10.10.48.0/20'] },
  backups: {
    bucketName: 'catbird-mls-backups-staging',
    retentionDays: 30,
    schedule: '0 2 * * *',
    objectLockDays: 0,
    databaseUrl: { secret: 'mls-secrets', key: 'database-url' },
    accessLogging: true,
  },
  // The Gateway API on Envoy Gateway, installed (docs/edge.md). The move
  // from ingress-nginx's Ingress objects went "both", then this step.
  edge: { serve: 'gateway', gateway: { install: {} } },
  monitoring: {
    enabled: true,
    prometheus: { retention: '7d', storage: '20Gi' },
    loki: { storage: '10Gi' },
    logShipper: 'alloy',
    grafanaAdminSecretId: 'monitoring/staging/grafana-admin-password',
    slackWebhookSecretId: 'monitoring/staging/slack-webhook-url',
    slackChannel: '#mls-alerts-staging',
  },
};
