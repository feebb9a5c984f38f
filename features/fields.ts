/**
 * Field types the feature schemas share: what a value of each kind must
 * look like in an environment or release file. Formats only; rules between
 * fields belong to the feature that owns them.
 */
import { z } from 'zod';
import { imageProblem, repositoryProblem } from '../core/image';
import { cpuMillis, memoryBytes } from '../core/quantities';

/** RFC 1123 label: what Kubernetes accepts for namespaces and most names. */
export const dnsLabel = (max = 63) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      'must be a lowercase RFC 1123 label (a-z, 0-9, "-", starting and ending alphanumeric)',
    );

/** RFC 1035 label: what Kubernetes requires of Service names (starts with a letter). */
export const serviceName = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(
      /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
      'must be a lowercase RFC 1035 label (a-z, 0-9, "-", starting with a letter)',
    );

export const cpu = z
  .string()
  .regex(/^(\d+m|\d+(\.\d{1,3})?)$/, { message: 'must be a CPU quantity such as "250m" or "1.5"', abort: true })
  .refine((q) => cpuMillis(q) > 0, 'must be greater than zero');

export const memory = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, {
    message: 'must be a memory quantity such as "512Mi" or "1Gi"',
    abort: true,
  })
  .refine((q) => memoryBytes(q) > 0, 'must be greater than zero');

/** A string `problem` says nothing against, with its message otherwise. */
const checkedBy = (problem: (value: string) => string | undefined) =>
  z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });

/** Image repository without tag, e.g. ghcr.io/catbird/mls-server. */
export const imageRepository = checkedBy(repositoryProblem);

/** A full image reference pinned by tag or digest; never `latest`. */
export const imageReference = checkedBy(imageProblem);

export const httpPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be an absolute HTTP path such as "/health/live"');

export const hostname = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, 'must be a DNS host name such as "mls.catbird.blue"');

export const port = z.number().int().min(1).max(65535);

/** A share, more than 0 and at most 1. */
export const ratio = z.number().gt(0, 'must be more than 0').max(1, 'must be at most 1 (a share, not a percent)');

/** An IPv4 address as a 32-bit number. */
export const ipv4Number = (ip: string): number => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

/** The addresses a valid CIDR admits, as [first, last]. */
export function cidrRange(c: string): [number, number] {
  const [ip, bits] = c.split('/');
  const size = 2 ** (32 - Number(bits));
  const first = ipv4Number(ip!);
  return [first, first + size - 1];
}

export const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, { message: 'must be an IPv4 CIDR such as "10.0.0.0/16"', abort: true })
  .refine(
    (c) => {
      const [ip, bits] = c.split('/');
      return ip!.split('.').every((o) => Number(o) <= 255) && Number(bits) <= 32;
    },
    { message: 'must be a valid IPv4 CIDR', abort: true },
  )
  .superRefine((c, ctx) => {
    // 10.0.0.1/16 is read by some tools as 10.0.0.0/16 and refused by others (the AWS API).
    const [ip, bits] = c.split('/');
    const size = 2 ** (32 - Number(bits));
    const network = Math.floor(ipv4Number(ip!) / size) * size;
    if (network !== ipv4Number(ip!)) {
      const n = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
      ctx.addIssue({ code: 'custom', message: `has host bits set: the network is "${n}/${bits}"` });
    }
  });

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

/** AWS's regions (commercial, GovCloud, China), as of December 2026: the provider refuses any other. */
export const AWS_REGIONS: readonly string[] = [
  ...['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'us-gov-east-1', 'us-gov-west-1'],
  ...['ca-central-1', 'ca-west-1', 'mx-central-1', 'sa-east-1'],
  ...['eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1'],
  ...['af-south-1', 'il-central-1', 'me-south-1', 'me-central-1'],
  ...['ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
  ...['ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7'],
  ...['cn-north-1', 'cn-northwest-1'],
];
export const awsRegion = z.string().superRefine((r, ctx) => {
  if (AWS_REGIONS.includes(r)) return;
  ctx.addIssue({
    code: 'custom',
    message: /^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(r)
      ? 'is not an AWS region (the provider would refuse it): use one such as "eu-west-1"'
      : 'must be an AWS region such as "eu-west-1"',
  });
});

/**
 * An AWS Secrets Manager secret id: a name (1-512 of letters, digits and
 * "/_+=.@-") or a secret's ARN, as the API accepts them.
 */
export const awsSecretId = z
  .string()
  .regex(
    /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})$/,
    'must be a Secrets Manager secret name (1-512 letters, digits and "/_+=.@-") or a secret ARN',
  );

/** A Kubernetes Secret (or ConfigMap) key. */
/** A key of a Kubernetes Secret (a file name in its volume): not ".", "..", nor starting with ".." (the kubelet's own names). */
export const secretKey = z
  .string()
  .regex(/^[-._a-zA-Z0-9]+$/, { message: 'must be a valid Secret key: letters, digits, "-", "_" and "."', abort: true })
  .max(253, 'must be at most 253 characters (a Secret key is a file name)')
  .refine(
    (k) => k !== '.' && k !== '..' && !k.startsWith('..'),
    'must not be "." or "..", nor start with "..": the kubelet writes the Secret volume\'s own entries under those names',
  );

/** An environment variable name. */
export const envVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as "DATABASE_URL"');

/** Prometheus durations as the files write them: a number and one unit. */
export const promDuration = z.string().regex(/^\d+(s|m|h|d|w|y)$/, 'must be a duration such as "5m" or "15d"');

/** Cross-field rules run once every field is valid, so one mistake is reported once. */
export const onlyWhenFieldsValid = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };
