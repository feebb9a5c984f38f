/**
 * The environment file, composed from the features' fragments: what each
 * field may say, and the rules between features. Plain data in, plain data
 * out; no Terraform types. `EnvironmentInput` is what an environment file
 * writes (defaults may be left out); `EnvironmentSettings` is the validated,
 * defaulted result the stack consumes.
 */
import { z } from 'zod';
import { EXTERNAL_SECRETS_NAMESPACE } from '../core/names';
import { backupIssues } from '../features/data/checks';
import { backupsSchema, databaseSchema, redisSchema } from '../features/data/schema';
import { awsRegion, bucketName, dnsLabel, onlyWhenFieldsValid } from '../features/fields';
import { edgeIssues, edgeSchema } from '../features/edge/schema';
import { monitoringSchema } from '../features/monitoring/schema';
import { capacityIssues } from '../features/namespace/capacity';
import { limitRangeSchema, quotaSchema } from '../features/namespace/schema';
import { issuerIssues, serviceIssues } from '../features/service/checks';

import { serviceSchema } from './service-schema';

/**
 * Where Terraform keeps the environment's state: always S3 (encrypted, with
 * Terraform's lock file). Local state is an opt-in for experiments at synth
 * time (`LOCAL_STATE=1`, see docs/delivery.md, Remote state), never a setting of a committed file.
 */
const stateBackend = z.strictObject({
  type: z.literal('s3', 'must be "s3": local state is an opt-in for experiments (LOCAL_STATE=1), not a file setting'),
  bucket: bucketName,
  /** @default `<environment>/terraform.tfstate` */
  key: z
    .string()
    .regex(
      /^[^/\s]+(\/[^/\s]+)*$/,
      'must be an S3 key such as "production/terraform.tfstate": no leading or trailing "/", no "//", no spaces',
    )
    .optional(),
  region: awsRegion,
});

/**
 * Namespaces this stack creates, owns and may delete: never one the cluster
 * or another component of this stack already owns.
 */
const ownNamespace = dnsLabel().superRefine((ns, ctx) => {
  if (ns === 'default' || ns.startsWith('kube-')) {
    ctx.addIssue({
      code: 'custom',
      message: `"${ns}" is a system namespace of the cluster: the stack creates its namespaces and deletes them with it; choose one of your own`,
    });
  } else if (ns === EXTERNAL_SECRETS_NAMESPACE) {
    ctx.addIssue({
      code: 'custom',
      message: `"${ns}" is the namespace of External Secrets Operator, which this stack installs: choose another`,
    });
  }
});

export const environmentSchema = z
  .strictObject({
    /** Stack name; also the `environment` tag. */
    name: dnsLabel(32),
    /**
     * The system the services make up: their `app.kubernetes.io/part-of`,
     * their alerts' prefix (`Mls…`, each dash-separated word capitalised)
     * and their recording rules' level (`mls:…`). @default 'mls'
     */
    system: dnsLabel(40).default('mls'),
    /** Namespace the services run in. */
    namespace: ownNamespace,
    /** Namespace of the monitoring stack. */
    monitoringNamespace: ownNamespace.default('monitoring'),
    /** Namespace of ingress-nginx, admitted by the network policies while the edge serves Ingress objects. */
    ingressNamespace: dnsLabel().default('ingress-nginx'),
    /** The edge: the step of the move to the Gateway API, and whose Gateway. @default Gateway API on Envoy Gateway, installed */
    edge: edgeSchema,
    /** Protected resources refuse destroy (`prevent_destroy`). */
    protect: z.boolean(),
    /**
     * The deploy workflow applies this environment on every merge to main;
     * otherwise only by a manual dispatch naming it. @default false
     */
    deployOnMerge: z.boolean().default(false),
    /**
     * Pull-request plan previews wait for a reviewer: they run in the GitHub
     * environment `<name>-preview`, which must have required reviewers (the
     * plan workflow checks it). @default `protect`
     */
    previewApproval: z.boolean().optional(),
    aws: z.strictObject({
      region: awsRegion,
      tags: z.record(
        z
          .string()
          .min(1)
          .max(128)
          .refine((k) => !k.toLowerCase().startsWith('aws:'), 'must not start with "aws:": AWS reserves that prefix'),
        z.string().max(256),
      ),
    }),
    kubernetes: z.strictObject({
      configPath: z.string().min(1),
      context: z
        .string()
        .regex(/^[^\s]+$/, 'must be a kube context name without spaces, as `kubectl config get-contexts` lists it'),
      /** IAM OIDC provider ARN of the cluster, for IAM Roles for Service Accounts. */
      oidcProviderArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/, 'must be an IAM OIDC provider ARN'),
    }),
    stateBackend,
    quota: quotaSchema,
    limitRange: limitRangeSchema,
    services: z.array(serviceSchema).min(1),
    database: databaseSchema,
    redis: redisSchema,
    backups: backupsSchema,
    monitoring: monitoringSchema,
  })
  .superRefine((env, ctx) => {
    if (env.namespace === env.monitoringNamespace) {
      ctx.addIssue({ code: 'custom', path: ['monitoringNamespace'], message: 'must differ from namespace' });
    }
    for (const issue of [
      ...serviceIssues(env),
      ...capacityIssues(env),
      ...backupIssues(env),
      ...issuerIssues(env),
      ...edgeIssues(env),
    ]) {
      ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
    }
  }, onlyWhenFieldsValid);

export type EnvironmentInput = z.input<typeof environmentSchema>;
export type EnvironmentSettings = z.output<typeof environmentSchema>;
