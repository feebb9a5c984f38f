/**
 * Container image references, read one way everywhere: the environment
 * schema checks them with `imageProblem`, the release command and the
 * snapshots name releases with `releaseName`, the pods carry
 * `versionLabel`, and the pull secret is for `parseImage(…).registry`.
 *
 * The grammar is Docker's (distribution/reference): `[registry/]path[:tag][@digest]`,
 * where the first path component is a registry only when it holds a "." or
 * a ":", or is `localhost`; otherwise the image is on Docker Hub.
 */

/** Docker Hub, where an image without a registry host lives. */
export const DOCKER_HUB = 'docker.io';

export interface ImageRef {
  /** Registry host (with port), `docker.io` when the reference names none. */
  readonly registry: string;
  /** The reference without tag and digest, as written (`ghcr.io/catbird/mls-server`). */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<64 hex>`. */
  readonly digest?: string;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)';
const REPOSITORY = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The registry host of a repository (or reference): its first component if that names a host, else Docker Hub. */
export function registryOf(repository: string): string {
  const slash = repository.indexOf('/');
  const first = slash < 0 ? '' : repository.slice(0, slash);
  return first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : DOCKER_HUB;
}

/** What is wrong with an image repository (no tag, no digest), or undefined. */
export function repositoryProblem(repository: string): string | undefined {
  if (repository.length > 255) return 'must be at most 255 characters';
  return REPOSITORY.test(repository)
    ? undefined
    : 'must be an image repository without tag, such as "ghcr.io/catbird/mls-server"';
}

/** Splits a reference into its parts, or says what is wrong with it. */
export function parseImage(ref: string): ImageRef | { readonly error: string } {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const colon = named.lastIndexOf(':');
  // A ":" after the last "/" starts the tag; one before it is a registry port.
  const tag = colon > named.lastIndexOf('/') ? named.slice(colon + 1) : undefined;
  const repository = tag === undefined ? named : named.slice(0, colon);
  const shape = 'must be an image reference such as "ghcr.io/catbird/mls-server:1.4.2"';
  if (repositoryProblem(repository) !== undefined) return { error: shape };
  if (tag !== undefined && !TAG.test(tag)) return { error: `${shape}: "${tag}" is not a valid tag` };
  // The tag names the release in labels and object names, whose values start with a letter or digit
  // (versionLabel trims what ends one otherwise).
  if (tag !== undefined && !/^[A-Za-z0-9]/.test(tag)) {
    return {
      error: `${shape}: "${tag}" must start with a letter or digit: the release is named by its tag in Kubernetes labels, which must`,
    };
  }
  if (digest !== undefined && !DIGEST.test(digest)) return { error: `${shape}: the digest must be sha256:<64 hex>` };
  if (tag === undefined && digest === undefined) return { error: 'must pin a tag or a digest' };
  if (tag === 'latest') return { error: 'must not use the mutable "latest" tag' };
  return { registry: registryOf(repository), repository, tag, digest };
}

/** What is wrong with an image reference, or undefined when it is pinned and well formed. */
export function imageProblem(ref: string): string | undefined {
  const parsed = parseImage(ref);
  return 'error' in parsed ? parsed.error : undefined;
}

function parsedOrThrow(ref: string): ImageRef {
  const parsed = parseImage(ref);
  if ('error' in parsed) throw new Error(`image "${ref}" ${parsed.error}`);
  return parsed;
}

/** Whether `ref` is an image of exactly `repository` (not of one whose name merely starts the same). */
export function isImageOf(ref: string, repository: string): boolean {
  const parsed = parseImage(ref);
  return !('error' in parsed) && parsed.repository === repository;
}

/**
 * The release an image is: its tag, or for a digest `sha256-` and the
 * digest's first 12 hex digits. Release files and snapshots are named by it.
 */
export function releaseName(ref: string): string {
  const { tag, digest } = parsedOrThrow(ref);
  return digest ? `sha256-${digest.slice('sha256:'.length, 'sha256:'.length + 12)}` : tag!;
}

/** The release name as a label value: at most 63 characters, ending alphanumeric. */
export function versionLabel(ref: string): string {
  return releaseName(ref)
    .slice(0, 63)
    .replace(/[^A-Za-z0-9]+$/, '');
}
