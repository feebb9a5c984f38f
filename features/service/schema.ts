/**
 * What an environment file says about one service: its image repository,
 * size, probes, environment, secret, edge and DID document. Defaults of the
 * constructs are theirs (`@default` on their props); the schema sets a
 * default only where the environment layer itself reads the value.
 */
import { z } from 'zod';
import { defaultPreviewHost, didWeb } from '../../core/names';
import type { FieldIssue } from '../../core/errors';
import {
  awsSecretId,
  cidr,
  cidrRange,
  cpu,
  dnsLabel,
  envVarName,
  hostname,
  httpPath,
  imageRepository,
  memory,
  port,
  secretKey,
  serviceName,
} from '../fields';

/** Whether CIDRs (each valid) together cover every IPv4 address. */
function admitsEveryAddress(cidrs: readonly string[]): boolean {
  const ranges = cidrs.map(cidrRange).sort((a, b) => a[0] - b[0]);
  let next = 0;
  for (const [first, last] of ranges) {
    if (first > next) return false;
    next = Math.max(next, last + 1);
  }
  return next >= 2 ** 32;
}

/** A name that says its value is a secret: such a value belongs in Secrets Manager, not in a file. */
const SECRET_NAME = /(^|_)(SECRET|PASSWORD|PASSWD|TOKEN|KEY)$/;
/** A URL with a password in it: `scheme://user:password@host`. */
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/\s@]*:[^/\s@]*@/i;

const resources = z.strictObject({
  requests: z.strictObject({ cpu, memory }),
  limits: z.strictObject({ cpu, memory }),
});

const autoscaling = z.strictObject({
  /** Replicas the HPA never goes below. */
  minReplicas: z.number().int().min(1),
  /** Replicas the HPA never goes above. */
  maxReplicas: z.number().int().min(1),
  /** Target average CPU utilization, percent of requests. @default ServiceAutoscaler's */
  cpuUtilization: z.number().int().min(1).max(100).optional(),
  /** Target average memory utilization, percent of requests. @default ServiceAutoscaler's */
  memoryUtilization: z.number().int().min(1).max(100).optional(),
  /** Seconds the HPA waits before acting on a lower recommendation. @default ServiceAutoscaler's */
  scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).optional(),
});

const secretKeySource = z.strictObject({
  /** Environment variable the key is exposed as. */
  env: envVarName,
  /** AWS Secrets Manager secret id (name or ARN) holding the value. */
  awsSecretId,
});

const ingress = z.strictObject({
  /** Public host: `/xrpc/`, `/health` and the DID document, to the live colour. */
  host: hostname,
  /** Host that always serves the idle colour. @default `preview.<host>` */
  previewHost: hostname.optional(),
  /** CIDRs that may reach the preview host; unreleased builds are never public. */
  previewAllowedCidrs: z.array(cidr).superRefine((cidrs, ctx) => {
    if (admitsEveryAddress(cidrs)) {
      ctx.addIssue({
        code: 'custom',
        message: `admits the whole internet${cidrs.length > 1 ? ' (together they cover 0.0.0.0/0)' : ''}: the preview host serves unreleased builds; list your VPN or office ranges`,
      });
    }
  }),
  /** @default ServiceIngress's */
  className: z.string().min(1).optional(),
  /** TLS Secret of the public host (the preview host's is `<name>-preview`); cert-manager issues both. */
  tlsSecretName: dnsLabel(253),
  /** cert-manager ClusterIssuer, e.g. a Let's Encrypt issuer. */
  clusterIssuer: dnsLabel(253),
  /** XRPC proxy timeouts in seconds. @default ServiceIngress's */
  timeouts: z
    .strictObject({
      connect: z.number().int().min(1).max(3600).optional(),
      read: z.number().int().min(1).max(86400).optional(),
      send: z.number().int().min(1).max(86400).optional(),
      /** Every XRPC stream ends by then (Gateway API); a release's drain waits this long. @default 3600 */
      stream: z.number().int().min(1).max(86400).optional(),
    })
    .optional(),
});

/**
 * The service's own fields, in two parts so the assembled schema keeps
 * their order around the other features' parts (the issues of a service
 * come in field order).
 */
export const serviceIdentityFields = {
  /** Service name; Deployments are `<name>-blue` and `<name>-green`. */
  name: serviceName(47),
  /** Image repository; the tag per colour lives in the release file. */
  imageRepository,
  /** Port the container listens on; the network policies admit it, so the stack reads it here. */
  containerPort: port.default(3000),
  /** @default BlueGreenService's */
  servicePort: port.optional(),
  /** Probe paths. @default ColourDeployment's */
  health: z
    .strictObject({ liveness: httpPath.optional(), readiness: httpPath.optional(), startup: httpPath.optional() })
    .optional(),
};

export const serviceFields = {
  /** Replicas a colour runs at full size (`release stage` gives the idle colour this many). */
  replicas: z.number().int().min(1),
  /** Replicas the old colour keeps after `release finish`, for a fast switch back. */
  idleReplicas: z.number().int().min(0).default(0),
  autoscaling: autoscaling.optional(),
  resources,
  /** The service uses the environment's database (its database alerts, from its metrics). @default false */
  usesDatabase: z.boolean().default(false),
  /** Plain, non-secret environment variables. */
  env: z.record(envVarName, z.string()).default({}),
  secret: z
    .strictObject({
      /** Kubernetes Secret name. */
      name: dnsLabel(253),
      /** Secret keys, each from an AWS Secrets Manager secret. */
      keys: z.record(secretKey, secretKeySource),
      /**
       * Other services may name the same Secret (with the same keys) when
       * every one of them says `shared: true`; it is created once.
       * @default false
       */
      shared: z.boolean().optional(),
    })
    .optional(),
  ingress: ingress.optional(),
  /**
   * The service's did:web document, served at
   * `https://<ingress.host>/.well-known/did.json`. Its id is
   * `did:web:<ingress.host>`, which the pods get as SERVICE_DID.
   */
  did: z
    .strictObject({
      /** The public key, multibase base58btc (starts with "z"). Public data. */
      publicKeyMultibase: z
        .string()
        .min(1, 'must not be empty')
        .max(1024, { message: 'must be at most 1024 characters (an Ed25519 key is 48)', abort: true })
        .regex(/^z/, { message: 'must be a multibase base58btc key, starting with "z"', abort: true })
        .regex(/^z[1-9A-HJ-NP-Za-km-z]+$/, 'must hold only base58btc characters after the "z"'),
      /** Responder replicas. @default DidResponder's */
      replicas: z.number().int().min(1).max(10).optional(),
    })
    .optional(),
  /** Pull the image with credentials from Secrets Manager (`{"username","password"}`). @default public pulls */
  imagePullSecret: z.strictObject({ awsSecretId }).optional(),
};

/** What is wrong between the service's own fields. */
export function serviceFieldIssues(
  svc: z.output<z.ZodObject<typeof serviceIdentityFields & typeof serviceFields>>,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (svc.did && !svc.ingress) {
    issues.push({
      path: ['did'],
      message: 'needs ingress: the document is served on the public host',
    });
  }
  if (svc.did && 'SERVICE_DID' in svc.env) {
    issues.push({
      path: ['env', 'SERVICE_DID'],
      message: 'is set from ingress.host (did:web:<host>) when the service has a did block: leave it out',
    });
  }
  const secretEnv = new Map<string, string>();
  for (const [key, k] of Object.entries(svc.secret?.keys ?? {})) {
    const other = secretEnv.get(k.env);
    if (other !== undefined) {
      issues.push({
        path: ['secret', 'keys', key, 'env'],
        message: `"${k.env}" is also the variable of secret.keys.${other}: the container would get one of the two values, silently; give each key its own variable`,
      });
    } else secretEnv.set(k.env, key);
  }
  for (const [name, value] of Object.entries(svc.env)) {
    const key = secretEnv.get(name);
    const problem = key
      ? `is also set by secret.keys.${key}: the container would get the variable twice, and this value in clear in cdk.tf.json; leave it to the secret`
      : SECRET_NAME.test(name)
        ? `is named as a secret (ends in "${name.match(SECRET_NAME)![2]}"), but env values are written in clear to cdk.tf.json and the Deployment: put it in secret.keys, which reads it from AWS Secrets Manager`
        : URL_WITH_CREDENTIALS.test(value)
          ? 'holds a URL with credentials in it (user:password@), written in clear to cdk.tf.json and the Deployment: put it in secret.keys, which reads it from AWS Secrets Manager'
          : undefined;
    if (problem) issues.push({ path: ['env', name], message: problem });
  }
  if (svc.idleReplicas > svc.replicas) {
    issues.push({ path: ['idleReplicas'], message: `must not exceed replicas (${svc.replicas})` });
  }
  return issues;
}

/**
 * The facts derived from the host, computed here once: the preview host's
 * default, the DID (`did:web:<host>`) and the SERVICE_DID the pods read.
 */
export function derived<
  S extends { env: Record<string, string>; ingress?: { host: string; previewHost?: string }; did?: object },
>(svc: S) {
  const ingress = svc.ingress && {
    ...svc.ingress,
    previewHost: svc.ingress.previewHost ?? defaultPreviewHost(svc.ingress.host),
  };
  const id = ingress && didWeb(ingress.host);
  const did = svc.did && id ? { ...svc.did, id } : undefined;
  return { ...svc, ingress, did, env: did ? { ...svc.env, SERVICE_DID: did.id } : svc.env };
}

/** A service's own settings, derived facts included: what the service feature reads. */
export type ServiceSettings = ReturnType<
  typeof derived<z.output<z.ZodObject<typeof serviceIdentityFields & typeof serviceFields>>>
>;
