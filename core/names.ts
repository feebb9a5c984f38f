/**
 * The names this program gives objects, and how a name is read back: the
 * constructs name objects with these functions, and the command-line tools
 * (plan summary, render gate) recognise them with the same ones.
 */
import { COLOURS, type Colour } from './colours';

/** Port the Services expose when a service names none. */
export const DEFAULT_SERVICE_PORT = 80;

/** Object name of one colour's Deployment (and its PodDisruptionBudget). */
export function colourName(service: string, colour: Colour): string {
  return `${service}-${colour}`;
}

const PREVIEW_SUFFIX = '-preview';

/** The Service (and Ingress) that always selects the idle colour. */
export function previewName(service: string): string {
  return `${service}${PREVIEW_SUFFIX}`;
}

/** Whether a Service name is a preview Service (it selects the idle colour, so moving it moves no traffic). */
export function isPreviewName(name: string): boolean {
  return name.endsWith(PREVIEW_SUFFIX);
}

const MONITORING_SUFFIX = '-mon';

/** The Helm release that holds one service's PrometheusRule and PodMonitor. */
export function monitoringReleaseName(service: string): string {
  return `${service}${MONITORING_SUFFIX}`;
}

/** The service a monitoring release belongs to, or undefined when `release` is not one. */
export function serviceOfMonitoringRelease(release: string): string | undefined {
  return release.endsWith(MONITORING_SUFFIX) ? release.slice(0, -MONITORING_SUFFIX.length) : undefined;
}

/** The ResourceQuota of a namespace this program creates. */
export function quotaName(namespace: string): string {
  return `${namespace}-quota`;
}

/** Object names of a service's DID responder (Deployment, Service, ConfigMap). */
export function didResponderName(service: string): string {
  return `${service}-did`;
}

/** The Secret with a service's registry credentials. */
export function registrySecretName(service: string): string {
  return `${service}-registry`;
}

/** Where a did:web document lives on its host. */
export const DID_DOCUMENT_PATH = '/.well-known/did.json';

/** The did:web identifier of a host. */
export function didWeb(host: string): string {
  return `did:web:${host}`;
}

/** The preview host of a public host, unless an environment names another. */
export function defaultPreviewHost(host: string): string {
  return `preview.${host}`;
}

/** The UID and GID the services' containers run as (any non-root id the image allows). */
export const SERVICE_UID = 10001;

/** nginx-unprivileged's user and group. */
export const NGINX_UNPRIVILEGED_UID = 101;

/** A PromQL regex matching both colours' Deployment names, e.g. `api-(blue|green)`. */
export function colourNamePattern(service: string): string {
  return `${service}-(${COLOURS.join('|')})`;
}

/** A PromQL regex matching both colours' pod names. */
export function colourPodPattern(service: string): string {
  return `${colourNamePattern(service)}-.*`;
}

/** The image every small helper runs (the DID responder, the release analysis): an unprivileged nginx on Alpine, with busybox. */
export const NGINX_UNPRIVILEGED_IMAGE = 'nginxinc/nginx-unprivileged:1.27.4-alpine';

/** When a release analysis runs: before the Service switches to the new colour, or after. */
export type AnalysisWhen = 'pre' | 'post';

/**
 * A PromQL regex matching a service's analysis Job names, before and after
 * the switch. A name cut to fit (analysisJobName) keeps its start, so it
 * matches too.
 */
export function analysisJobPattern(service: string): string {
  return `${service}-(pre|post)-.+`;
}

/** FNV-1a, 32 bits, as 8 hex digits: a short, stable hash for names (not a security measure). */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/** Kubernetes object names (a Job's name is also a label value on its pods): at most 63 characters. */
const MAX_NAME = 63;

/**
 * The Job (and ConfigMap) of one release's analysis:
 * `<service>-<pre|post>-<release>[-s<stage>]`. The release and stage are in
 * the name, so a new stage runs a new Job and an unchanged one runs none.
 * A name too long keeps its start and ends in a hash of the whole.
 */
export function analysisJobName(service: string, when: AnalysisWhen, release: string, stage?: number): string {
  const clean = release
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const name = `${service}-${when}-${clean || 'release'}${stage === undefined ? '' : `-s${stage}`}`;
  if (name.length <= MAX_NAME) return name;
  const hash = fnv1a(name);
  return `${name.slice(0, MAX_NAME - hash.length - 1).replace(/[^a-z0-9]+$/, '')}-${hash}`;
}

/** The namespace External Secrets Operator runs in: the stack creates it, so no environment may claim it. */
export const EXTERNAL_SECRETS_NAMESPACE = 'external-secrets';

/** The kube-prometheus-stack release's name: its Services are `<release>-prometheus`, `<release>-grafana`. */
export const KUBE_PROMETHEUS_STACK_RELEASE = 'kube-prometheus-stack';

/** Grafana's Service (the chart's `<release>-grafana`, port 80) and the TLS Secret of its host. */
export const GRAFANA = {
  service: `${KUBE_PROMETHEUS_STACK_RELEASE}-grafana`,
  port: 80,
  tlsSecretName: 'grafana-tls',
} as const;

/** The release file of environment `name`, relative to the project root: the one file synth reads and the release command writes. */
export const releaseFilePath = (name: string): string => `environments/${name}.release.json`;

/** Where an environment's state lives in its bucket, unless its file names a key. */
export const stateKey = (environment: string, key?: string): string => key ?? `${environment}/terraform.tfstate`;

/** The bucket that receives a bucket's S3 server access logs. */
export const accessLogBucketName = (bucket: string): string => `${bucket}-logs`;

/**
 * What a system's objects, alerts and recorded series are named after, from
 * its name (an environment's `system`): `mls` gives the part-of label `mls`,
 * alerts `MlsServiceDown`, …, and recording rules `mls:slo_errors:…`.
 */
export interface SystemNames {
  /** `app.kubernetes.io/part-of` of the services' objects. */
  readonly partOf: string;
  /** Before each alert's kind: `Mls` + `ServiceDown`. */
  readonly alertPrefix: string;
  /** The recording rules' level: `mls` in `mls:slo_errors:ratio_rate5m`. */
  readonly rulePrefix: string;
}

export function systemNames(system: string): SystemNames {
  const words = system.split('-').filter((w) => w !== '');
  return {
    partOf: system,
    alertPrefix: words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(''),
    rulePrefix: words.join('_'),
  };
}
