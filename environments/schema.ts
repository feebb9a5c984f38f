/**
 * The environment model: what an environment file may say, with the rules a
 * platform engineer would check by eye. Plain data in, plain data out — no
 * Terraform types here. `EnvironmentInput` is what an environment file
 * writes (defaults may be left out); `Environment` is the validated,
 * defaulted result that the stack consumes.
 */
import { z } from 'zod';
import { COLOURS, otherColour } from '../constructs/colours';
import { DEFAULT_STATUS_LABEL, DEFAULT_THRESHOLDS } from '../constructs/alert-rules';
import { capacityIssues } from './capacity';
import { cronProblem } from './cron';
import { cpuMillis, memoryBytes } from './quantities';

/** RFC 1123 label: what Kubernetes accepts for namespaces and most names. */
const dnsLabel = (max = 63) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      'must be a lowercase RFC 1123 label (a-z, 0-9, "-", starting and ending alphanumeric)',
    );

/** RFC 1035 label: what Kubernetes requires of Service names (starts with a letter). */
const serviceName = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(
      /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
      'must be a lowercase RFC 1035 label (a-z, 0-9, "-", starting with a letter)',
    );

const cpu = z
  .string()
  .regex(/^(\d+m|\d+(\.\d{1,3})?)$/, { message: 'must be a CPU quantity such as "250m" or "1.5"', abort: true })
  .refine((q) => cpuMillis(q) > 0, 'must be greater than zero');

const memory = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, {
    message: 'must be a memory quantity such as "512Mi" or "1Gi"',
    abort: true,
  })
  .refine((q) => memoryBytes(q) > 0, 'must be greater than zero');

const storage = memory;

/** Image repository without tag, e.g. ghcr.io/catbird/mls-server. */
const imageRepository = z
  .string()
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
    'must be an image repository without tag, such as "ghcr.io/catbird/mls-server"',
  );

/** A full image reference pinned by tag or digest; never `latest`. */
export const imageReference = z
  .string()
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
    { message: 'must be an image reference such as "ghcr.io/catbird/mls-server:1.4.2"', abort: true },
  )
  .refine((ref) => /:[^/]+$/.test(ref) || ref.includes('@sha256:'), 'must pin a tag or a digest')
  .refine((ref) => !/:latest(@|$)/.test(ref), 'must not use the mutable "latest" tag');

const httpPath = z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be an absolute HTTP path such as "/health/live"');

const hostname = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, 'must be a DNS host name such as "mls.catbird.blue"');

const port = z.number().int().min(1).max(65535);

/** A share, more than 0 and at most 1. */
const ratio = z.number().gt(0, 'must be more than 0').max(1, 'must be at most 1 (a share, not a percent)');

const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, { message: 'must be an IPv4 CIDR such as "10.0.0.0/16"', abort: true })
  .refine((c) => {
    const [ip, bits] = c.split('/');
    return ip!.split('.').every((o) => Number(o) <= 255) && Number(bits) <= 32;
  }, 'must be a valid IPv4 CIDR');

/** S3 bucket naming rules (general purpose buckets). */
export const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be 3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit',
    abort: true,
  })
  .refine(
    (b) => !b.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(b),
    'must not contain ".." or look like an IP address',
  )
  .refine((b) => !b.startsWith('xn--') && !b.endsWith('-s3alias'), 'must not use a reserved prefix or suffix');

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as "eu-west-1"');

/** Cross-field rules run once every field is valid, so one mistake is reported once. */
const onlyWhenFieldsValid = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

const resources = z.strictObject({
  requests: z.strictObject({ cpu, memory }),
  limits: z.strictObject({ cpu, memory }),
});

const autoscaling = z.strictObject({
  /** Replicas the HPA never goes below. */
  minReplicas: z.number().int().min(1),
  /** Replicas the HPA never goes above. */
  maxReplicas: z.number().int().min(1),
  /** Target average CPU utilization, percent of requests. @default BlueGreenService's (70) */
  cpuUtilization: z.number().int().min(1).max(100).optional(),
  /** Target average memory utilization, percent of requests. @default BlueGreenService's (80) */
  memoryUtilization: z.number().int().min(1).max(100).optional(),
  /** Seconds the HPA waits before acting on a lower recommendation. @default BlueGreenService's (300) */
  scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).optional(),
});

const secretKey = z.strictObject({
  /** Environment variable the key is exposed as. */
  env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as "DATABASE_URL"'),
  /** AWS Secrets Manager secret id (name or ARN) holding the value. */
  awsSecretId: z.string().min(1),
});

const service = z.strictObject({
  /** Service name; Deployments are `<name>-blue` and `<name>-green`. */
  name: serviceName(47),
  /** Image repository; the tag per colour lives in the release file. */
  imageRepository,
  /** Port the container listens on; the network policies admit it, so the stack reads it here. */
  containerPort: port.default(3000),
  /** @default BlueGreenService's (80) */
  servicePort: port.optional(),
  /** Probe paths. @default ColourDeployment's (the seeds' /health/live and /health/ready) */
  health: z
    .strictObject({ liveness: httpPath.optional(), readiness: httpPath.optional(), startup: httpPath.optional() })
    .optional(),
  /** @default Monitoring's ('/metrics') */
  metricsPath: httpPath.optional(),
  /** Replicas a colour runs at full size (`release stage` gives the idle colour this many). */
  replicas: z.number().int().min(1),
  /** Replicas the old colour keeps after `release finish`, for a fast switch back. */
  idleReplicas: z.number().int().min(0).default(0),
  autoscaling: autoscaling.optional(),
  resources,
  /** The service uses the environment's database (its database alerts, from its metrics). @default false */
  usesDatabase: z.boolean().default(false),
  /** Plain, non-secret environment variables. */
  env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name'), z.string()).default({}),
  secret: z
    .strictObject({
      /** Kubernetes Secret name. */
      name: dnsLabel(253),
      /** Secret keys, each from an AWS Secrets Manager secret. */
      keys: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a valid Secret key'), secretKey),
      /**
       * Other services may name the same Secret (with the same keys) when
       * every one of them says `shared: true`; it is created once.
       * @default false
       */
      shared: z.boolean().optional(),
    })
    .optional(),
  ingress: z
    .strictObject({
      /** Public host: `/xrpc/`, `/health` and the DID document, to the live colour. */
      host: hostname,
      /** Host that always serves the idle colour (colour-neutral, e.g. `preview.<host>`). */
      previewHost: hostname,
      /** CIDRs that may reach the preview host; unreleased builds are never public. */
      previewAllowedCidrs: z
        .array(cidr)
        .min(1, 'must list at least one CIDR: an empty allow-list would open unreleased builds to all'),
      /** @default ServiceIngress's ('nginx') */
      className: z.string().min(1).optional(),
      /** TLS Secret of the public host (the preview host's is `<name>-preview`); cert-manager issues both. */
      tlsSecretName: dnsLabel(253),
      /** cert-manager ClusterIssuer, e.g. a Let's Encrypt issuer. */
      clusterIssuer: dnsLabel(253),
      /** XRPC proxy timeouts in seconds. @default the seeds': connect 60, read and send 3600 */
      timeouts: z
        .strictObject({
          connect: z.number().int().min(1).max(3600).optional(),
          read: z.number().int().min(1).max(86400).optional(),
          send: z.number().int().min(1).max(86400).optional(),
        })
        .optional(),
    })
    .optional(),
  /** The service's did:web document, served at `https://<ingress.host>/.well-known/did.json`. */
  did: z
    .strictObject({
      /** `did:web:<ingress.host>`, the same as the service's SERVICE_DID. */
      id: z.string().regex(/^did:web:[a-z0-9.-]+$/, 'must be a did:web identifier such as "did:web:mls.catbird.blue"'),
      /** The public key, multibase base58btc (starts with "z"). Public data. */
      publicKeyMultibase: z
        .string()
        .min(1, 'must not be empty')
        .regex(/^z/, { message: 'must be a multibase base58btc key, starting with "z"', abort: true })
        .regex(/^z[1-9A-HJ-NP-Za-km-z]+$/, 'must hold only base58btc characters after the "z"'),
      /** Responder replicas. @default 1 */
      replicas: z.number().int().min(1).max(10).optional(),
    })
    .optional(),
  /** Pull the image with credentials from Secrets Manager (`{"username","password"}`). @default public pulls */
  imagePullSecret: z.strictObject({ awsSecretId: z.string().min(1) }).optional(),
});

const quota = z.strictObject({
  requestsCpu: cpu,
  requestsMemory: memory,
  limitsCpu: cpu,
  limitsMemory: memory,
  pods: z.number().int().min(1),
});

const limitRange = z.strictObject({
  defaultRequest: z.strictObject({ cpu, memory }),
  default: z.strictObject({ cpu, memory }),
  max: z.strictObject({ cpu, memory }),
});

/**
 * Where Terraform keeps the environment's state: always S3 (encrypted, with
 * Terraform's lock file). Local state is an opt-in for experiments at synth
 * time (`LOCAL_STATE=1`, see the README), never a setting of a committed file.
 */
const stateBackend = z.strictObject({
  type: z.literal('s3', 'must be "s3": local state is an opt-in for experiments (LOCAL_STATE=1), not a file setting'),
  bucket: bucketName,
  /** @default `<environment>/terraform.tfstate` */
  key: z.string().min(1).optional(),
  region: awsRegion,
});

const database = z.strictObject({
  /** RDS instance identifier (the database being protected). */
  instanceIdentifier: dnsLabel(63),
  port: port.default(5432),
  /** CIDRs the pods may reach the database in. */
  cidrs: z.array(cidr).min(1),
  /** Pre-deploy snapshots kept (the newest releases). */
  snapshotsToKeep: z.number().int().min(0).max(100),
});

const redis = z.strictObject({
  port: port.default(6379),
  cidrs: z.array(cidr).min(1),
});

const backups = z.strictObject({
  bucketName,
  /** Days a database dump is kept in S3 (the seeds' 30). */
  retentionDays: z.number().int().min(1).max(3650).default(30),
  /** Cron schedule of the dump job (cluster time zone). @default DatabaseBackupJob's (02:00 daily) */
  schedule: z
    .string()
    .superRefine((schedule, ctx) => {
      const problem = cronProblem(schedule);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (a cron schedule such as "0 2 * * *")` });
    })
    .optional(),
  /** Object Lock in governance mode for this many days; 0 disables it. */
  objectLockDays: z.number().int().min(0).max(3650).default(0),
  /** The Kubernetes Secret and key holding the database URL the dump job uses. */
  databaseUrl: z
    .strictObject({ secret: dnsLabel(253), key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a valid Secret key') })
    .default({ secret: 'mls-secrets', key: 'database-url' }),
  /** S3 server access logs to a separate `<bucketName>-logs` bucket. @default BackupBucket's (off) */
  accessLogging: z.boolean().optional(),
});

const monitoring = z.strictObject({
  enabled: z.boolean().default(true),
  prometheus: z
    .strictObject({
      /** @default Monitoring's ('15d') */
      retention: z
        .string()
        .regex(/^\d+(h|d|w|y)$/, 'must be a Prometheus duration such as "15d"')
        .optional(),
      /** @default Monitoring's ('50Gi') */
      storage: storage.optional(),
    })
    .optional(),
  loki: z
    .strictObject({
      /** @default Monitoring's ('10Gi') */
      storage: storage.optional(),
      /** S3 bucket for Loki chunks; when unset Loki keeps them on its volume. */
      s3BucketName: bucketName.optional(),
    })
    .optional(),
  /** @default Monitoring's ('alloy') */
  logShipper: z.enum(['alloy', 'promtail']).optional(),
  grafanaHost: hostname.optional(),
  /** Secrets Manager ids for the Grafana admin password and the Slack webhook. */
  grafanaAdminSecretId: z.string().min(1),
  slackWebhookSecretId: z.string().min(1),
  slackChannel: z.string().regex(/^#[-_a-z0-9]+$/, 'must be a Slack channel such as "#alerts"'),
  /** Alert thresholds for this environment's services. @default the seeds' (alert-rules.ts) */
  alerts: z
    .strictObject({
      downMinutes: z.number().int().min(1).max(60).default(DEFAULT_THRESHOLDS.downMinutes),
      errorRatio: ratio.default(DEFAULT_THRESHOLDS.errorRatio),
      cpuRatio: ratio.default(DEFAULT_THRESHOLDS.cpuRatio),
      memoryLimitRatio: ratio.default(DEFAULT_THRESHOLDS.memoryLimitRatio),
      slowQuerySeconds: z.number().positive().max(600).default(DEFAULT_THRESHOLDS.slowQuerySeconds),
      diskFreeRatio: ratio.default(DEFAULT_THRESHOLDS.diskFreeRatio),
      p95LatencySeconds: z.number().positive().max(600).default(DEFAULT_THRESHOLDS.p95LatencySeconds),
      /** Label holding the HTTP status on `http_requests_total`. */
      statusLabel: z
        .string()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name')
        .default(DEFAULT_STATUS_LABEL),
    })
    .prefault({}),
  /** Where alert runbook links point (the README's Runbook section). */
  runbookBaseUrl: z
    .string()
    .regex(/^https:\/\/\S+$/, 'must be an https URL')
    .default('https://github.com/catbird/mls-platform-infra/blob/main/README.md'),
});

export const environmentSchema = z
  .strictObject({
    /** Stack name; also the `environment` tag. */
    name: dnsLabel(32),
    /** Namespace the services run in. */
    namespace: dnsLabel(),
    /** Namespace of the monitoring stack. */
    monitoringNamespace: dnsLabel().default('monitoring'),
    /** Namespace of the ingress controller, allowed through the network policy. */
    ingressNamespace: dnsLabel().default('ingress-nginx'),
    /** Protected resources refuse destroy (`prevent_destroy`). */
    protect: z.boolean(),
    /**
     * The deploy workflow applies this environment on every merge to main;
     * otherwise only by a manual dispatch naming it. @default false
     */
    deployOnMerge: z.boolean().default(false),
    aws: z.strictObject({
      region: awsRegion,
      tags: z.record(z.string().min(1).max(128), z.string().max(256)),
    }),
    kubernetes: z.strictObject({
      configPath: z.string().min(1),
      context: z.string().min(1),
      /** IAM OIDC provider ARN of the cluster, for IAM Roles for Service Accounts. */
      oidcProviderArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/, 'must be an IAM OIDC provider ARN'),
    }),
    stateBackend,
    quota,
    limitRange,
    services: z.array(service).min(1),
    database,
    redis,
    backups,
    monitoring,
  })
  .superRefine((env, ctx) => {
    const names = new Set<string>();
    env.services.forEach((svc, i) => {
      if (names.has(svc.name)) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `duplicates service "${svc.name}"` });
      }
      names.add(svc.name);
      for (const kind of ['cpu', 'memory'] as const) {
        const parse = kind === 'cpu' ? cpuMillis : memoryBytes;
        if (parse(svc.resources.requests[kind]) > parse(svc.resources.limits[kind])) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', i, 'resources', 'requests', kind],
            message: `must not exceed limits.${kind} (${svc.resources.limits[kind]})`,
          });
        }
      }
      const hpa = svc.autoscaling;
      if (hpa && hpa.minReplicas > hpa.maxReplicas) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'autoscaling', 'minReplicas'],
          message: `must not exceed maxReplicas (${hpa.maxReplicas})`,
        });
      } else if (hpa && (svc.replicas < hpa.minReplicas || svc.replicas > hpa.maxReplicas)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'replicas'],
          message: `must be within autoscaling.minReplicas..maxReplicas (${hpa.minReplicas}..${hpa.maxReplicas})`,
        });
      }
      if (svc.did) {
        const expected = svc.ingress && `did:web:${svc.ingress.host}`;
        if (!expected) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', i, 'did'],
            message: 'needs ingress: the document is served on the public host',
          });
        } else if (svc.did.id !== expected) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', i, 'did', 'id'],
            message: `must be "${expected}", the DID of ingress.host (got "${svc.did.id}")`,
          });
        }
        if (svc.env.SERVICE_DID !== svc.did.id) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', i, 'did', 'id'],
            message: `must equal env.SERVICE_DID (got "${svc.did.id}", SERVICE_DID is ${JSON.stringify(svc.env.SERVICE_DID ?? null)})`,
          });
        }
      }
      if (svc.idleReplicas > svc.replicas) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'idleReplicas'],
          message: `must not exceed replicas (${svc.replicas})`,
        });
      }
    });
    if (env.namespace === env.monitoringNamespace) {
      ctx.addIssue({ code: 'custom', path: ['monitoringNamespace'], message: 'must differ from namespace' });
    }
    if (env.backups.objectLockDays > env.backups.retentionDays) {
      // A locked dump could not expire when its retention ends.
      ctx.addIssue({
        code: 'custom',
        path: ['backups', 'objectLockDays'],
        message: `must not exceed backups.retentionDays (${env.backups.retentionDays})`,
      });
    }
    for (const issue of [...capacityIssues(env), ...secretIssues(env)]) ctx.addIssue({ code: 'custom', ...issue });
  }, onlyWhenFieldsValid);

/**
 * Secret names are unique in the namespace (a second service's Secret would
 * silently replace the first's), unless every service naming one declares it
 * shared with the same keys; and the backup job's database URL must be a key
 * of a Secret the environment creates.
 */
function secretIssues(env: {
  services: readonly { name: string; secret?: { name: string; keys: Record<string, unknown>; shared?: boolean } }[];
  backups: { databaseUrl: { secret: string; key: string } };
}): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const first = new Map<string, number>();
  env.services.forEach((svc, i) => {
    if (!svc.secret) return;
    const name = svc.secret.name;
    const owner = first.get(name);
    if (owner === undefined) {
      first.set(name, i);
      return;
    }
    const other = env.services[owner]!;
    const keys = (s: { keys: Record<string, unknown> }) => JSON.stringify(Object.entries(s.keys).sort());
    if (!svc.secret.shared || !other.secret!.shared) {
      issues.push({
        path: ['services', i, 'secret', 'name'],
        message: `"${name}" is also the Secret of service "${other.name}": give each its own, or mark both shared: true`,
      });
    } else if (keys(svc.secret) !== keys(other.secret!)) {
      issues.push({
        path: ['services', i, 'secret', 'keys'],
        message: `must equal service "${other.name}"'s keys: a shared Secret has one set of keys`,
      });
    }
  });
  const { secret, key } = env.backups.databaseUrl;
  const holder = env.services.find((s) => s.secret?.name === secret);
  if (!holder) {
    issues.push({
      path: ['backups', 'databaseUrl', 'secret'],
      message: `"${secret}" is not the Secret of any service, so the backup job could not read the database URL`,
    });
  } else if (!(key in holder.secret!.keys)) {
    issues.push({ path: ['backups', 'databaseUrl', 'key'], message: `"${key}" is not a key of Secret "${secret}"` });
  }
  return issues;
}

const colourState = z.strictObject({
  /** Image this colour runs; absent when the colour was never staged. */
  image: imageReference.optional(),
  replicas: z.number().int().min(0).max(1000),
});

/**
 * Where a service is in its release cycle: `stable` (one colour serves, the
 * other is idle), `staged` (the idle colour runs a new image at full size,
 * waiting for promote), `switched` (traffic moved; the old colour still runs
 * for a fast rollback, waiting for finish).
 */
export const RELEASE_PHASES = ['stable', 'staged', 'switched'] as const;
export type ReleasePhase = (typeof RELEASE_PHASES)[number];

const serviceRelease = z
  .strictObject({
    /** The colour that receives traffic. */
    live: z.enum(COLOURS),
    phase: z.enum(RELEASE_PHASES).default('stable'),
    blue: colourState,
    green: colourState,
  })
  .superRefine((rel, ctx) => {
    const live = rel[rel.live];
    if (!live.image) {
      ctx.addIssue({ code: 'custom', path: [rel.live, 'image'], message: `live colour "${rel.live}" has no image` });
    }
    if (live.replicas === 0) {
      ctx.addIssue({
        code: 'custom',
        path: [rel.live, 'replicas'],
        message: `live colour "${rel.live}" has zero replicas`,
      });
    }
    const idle = otherColour(rel.live);
    if (rel.phase !== 'stable' && !rel[idle].image) {
      ctx.addIssue({
        code: 'custom',
        path: [idle, 'image'],
        message: `phase "${rel.phase}" needs an image on ${idle}`,
      });
    }
    for (const colour of COLOURS) {
      if (colour !== rel.live && rel[colour].replicas > 0 && !rel[colour].image) {
        ctx.addIssue({
          code: 'custom',
          path: [colour, 'image'],
          message: `colour "${colour}" has replicas but no image`,
        });
      }
    }
  });

/** Per-environment release state: what each colour runs and which is live. */
export const releaseSchema = z.strictObject({
  services: z.record(serviceName(47), serviceRelease),
  /**
   * Releases (image tags) in deploy order, oldest first. The newest
   * `database.snapshotsToKeep` of them have a pre-deploy RDS snapshot.
   */
  history: z.array(z.string().min(1)).default([]),
});

export type EnvironmentInput = z.input<typeof environmentSchema>;
export type EnvironmentSettings = z.output<typeof environmentSchema>;
export type ServiceSettings = EnvironmentSettings['services'][number];
export type ReleaseInput = z.input<typeof releaseSchema>;
export type ReleaseState = z.output<typeof releaseSchema>;
export type ServiceRelease = ReleaseState['services'][string];
export type ColourState = ServiceRelease['blue'];
