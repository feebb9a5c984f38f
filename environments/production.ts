import type { EnvironmentInput } from './schema';

/**
 * Production. The sizes the MLS server is run at: 3+ replicas with
 * an HPA of 3–10 on CPU 70% / memory 80%, 500m / 512Mi limits per pod, the
 * old colour kept at 1 replica after a switch, S3 backups kept 30 days and
 * the last 7 pre-deploy snapshots. Account-specific ARNs are placeholders
 * to set before the first deploy.
 */
export const production: EnvironmentInput = {
  name: 'production',
  namespace: 'production',
  protect: true,
  aws: {
    region: 'us-east-1',
    tags: { project: 'catbird-mls', environment: 'production', 'managed-by': 'cdktf', owner: 'devops' },
  },
  kubernetes: {
    configPath: '~/.kube/config',
    context: 'production',
    oidcProviderArn:
      'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/PRODUCTION0000000000000000000000',
  },
  stateBackend: { type: 's3', bucket: 'catbird-terraform-state', region: 'us-east-1' },
  quota: { requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '16', limitsMemory: '32Gi', pods: 60 },
  limitRange: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    default: { cpu: '500m', memory: '512Mi' },
    max: { cpu: '2', memory: '4Gi' },
  },
  services: [
    {
      name: 'mls-server',
      imageRepository: 'ghcr.io/catbird/mls-server',
      usesDatabase: true,
      replicas: 3,
      idleReplicas: 1,
      autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 80 },
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      env: { RUST_LOG: 'info', SERVER_PORT: '3000' },
      secret: {
        name: 'mls-secrets',
        keys: {
          'database-url': { env: 'DATABASE_URL', awsSecretId: 'mls-server/production/database-url' },
          'redis-url': { env: 'REDIS_URL', awsSecretId: 'mls-server/production/redis-url' },
          'jwt-secret': { env: 'JWT_SECRET', awsSecretId: 'mls-server/production/jwt-secret' },
        },
      },
      ingress: {
        host: 'mls.catbird.blue',
        // The team's VPN: the idle colour runs unreleased builds.
        previewAllowedCidrs: ['10.100.0.0/16'],
        tlsSecretName: 'mls-server-tls',
        clusterIssuer: 'letsencrypt-prod',
      },
      did: {
        // A placeholder, syntactically valid; set the real public key before the first deploy.
        publicKeyMultibase: 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
        replicas: 2,
      },
      imagePullSecret: { awsSecretId: 'mls-server/production/ghcr-pull' },
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
  database: { instanceIdentifier: 'mls-production', cidrs: ['10.20.32.0/20'], snapshotsToKeep: 7 },
  redis: { cidrs: ['10.20.48.0/20'] },
  backups: {
    bucketName: 'catbird-mls-backups-production',
    retentionDays: 30,
    schedule: '0 2 * * *',
    objectLockDays: 30,
    databaseUrl: { secret: 'mls-secrets', key: 'database-url' },
    accessLogging: true,
  },
  // The Gateway API on Envoy Gateway, installed (docs/edge.md). The move
  // from ingress-nginx's Ingress objects went "both", then this step.
  edge: { serve: 'gateway', gateway: { install: {} } },
  monitoring: {
    enabled: true,
    prometheus: { retention: '30d', storage: '100Gi' },
    loki: { storage: '50Gi', s3BucketName: 'catbird-mls-logs-production' },
    logShipper: 'alloy',
    grafanaHost: 'grafana.catbird.blue',
    grafanaAdminSecretId: 'monitoring/production/grafana-admin-password',
    slackWebhookSecretId: 'monitoring/production/slack-webhook-url',
    slackChannel: '#mls-alerts',
  },
};
