/**
 * The names this program gives objects, and how a name is read back: the
 * constructs name objects with these functions, and the command-line tools
 * (plan summary, render gate) recognise them with the same ones.
 */
import { COLOURS, type Colour } from './colours';

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
