import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BlueGreenServiceProps } from '../features/service/blue-green-service';
import { ENVIRONMENTS } from '../environments';
import { ConfigError } from '../core/errors';
import { Environment, EnvironmentSource, environmentName, validateEnvironment } from '../environments/validate';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests edit raw, untyped copies on purpose */
export type Edit = (settings: any, release: any) => void;

/** The names of the committed environments, in ENVIRONMENTS order. */
export const ENV_NAMES: readonly string[] = ENVIRONMENTS.map((s) => environmentName(s.settings));
export type EnvName = string;

/** A deep copy of a committed environment, optionally edited. */
export function source(name: EnvName, edit?: Edit): EnvironmentSource {
  const found = ENVIRONMENTS.find((s) => environmentName(s.settings) === name);
  if (!found) throw new Error(`no environment "${name}" in ENVIRONMENTS (${ENV_NAMES.join(', ')})`);
  const copy = structuredClone(found) as { settings: any; release: any };
  edit?.(copy.settings, copy.release);
  return copy;
}

export function environment(name: EnvName, edit?: Edit): Environment {
  return validateEnvironment(source(name, edit));
}

/** The issues of the ConfigError `fn` throws, as `environment: path: message` lines; fails when it throws none. */
export function configIssues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.environment}: ${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** Drops cdktf's `//` metadata keys, which say nothing about resources. */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== '//')
        .map(([k, v]) => [k, withoutMetadata(v)]),
    );
  }
  return value;
}

/** This file's synths: an unedited stack by its environment's name, an edited one by its sourceKey. */
const synths = new Map<string, string>();

/**
 * An edited source as a key: its JSON, with what JSON would lose kept
 * (a key set to undefined, a non-finite number), so two sources share a key
 * only when they are the same input to validation and synth.
 */
export function sourceKey(name: EnvName, src: EnvironmentSource): string {
  return JSON.stringify([name, src], (_key, value: unknown) =>
    value === undefined || (typeof value === 'number' && !Number.isFinite(value)) ? `\u0000${String(value)}` : value,
  );
}

/**
 * The stack's synthesized JSON as a string, without cdktf's metadata. The
 * committed environments come from the run's one synth (global-setup.ts);
 * an edited environment is synthesized here, loading cdktf only then, and
 * once per file for each distinct result of an edit (tests of one file
 * often read the same edited stack).
 */
export function synthString(name: EnvName, edit?: Edit): string {
  const src = edit ? source(name, edit) : undefined;
  const key = src ? sourceKey(name, src) : name;
  const cached = synths.get(key);
  if (cached !== undefined) return cached;
  const dir = process.env.JEST_SYNTH_DIR;
  let json: string;
  if (!src && dir) {
    const raw = JSON.parse(readFileSync(join(dir, 'stacks', name, 'cdk.tf.json'), 'utf8'));
    json = JSON.stringify(withoutMetadata(raw), null, 2);
  } else {
    // Loaded on demand: most test files never need cdktf or the providers. Without the
    // run's synth (the mutation run has none), an unedited stack is synthesized here too.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { Testing } = require('cdktf') as typeof import('cdktf');
    const { EnvironmentStack } = require('../stacks/environment-stack') as typeof import('../stacks/environment-stack');
    /* eslint-enable @typescript-eslint/no-require-imports */
    json = Testing.synth(new EnvironmentStack(Testing.app(), validateEnvironment(src ?? source(name))));
  }
  synths.set(key, json);
  return json;
}

export interface SynthJson {
  terraform: any;
  provider: Record<string, any[]>;
  resource: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, any>;
}

export function synthJson(name: EnvName, edit?: Edit): SynthJson {
  return JSON.parse(synthString(name, edit));
}

/** All resources of one type, as an array of their bodies. */
export function resourcesOf(json: SynthJson, type: string): any[] {
  return Object.values(json.resource[type] ?? {});
}

/** The one resource of `type` whose `metadata.name` (or `name`) is `name`. */
export function resourceNamed(json: SynthJson, type: string, name: string): any {
  const found = resourcesOf(json, type).filter((r) => (r.metadata?.name ?? r.name) === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** The one helm_release named `name`. */
export function helmRelease(json: SynthJson, name: string): any {
  return resourceNamed(json, 'helm_release', name);
}

/** The values of the helm_release named `name`, parsed. */
export const values = (json: SynthJson, name: string): any => JSON.parse(helmRelease(json, name).values[0]);

/** All data sources of one type, keyed by their id. */
export function dataOf(json: SynthJson, type: string): Record<string, any> {
  return json.data?.[type] ?? {};
}

/** The body a `${type.id.attr}` reference points at. */
export function referenced(json: SynthJson, ref: string): any {
  const match = /^\$\{(data\.)?([a-z0-9_]+)\.([^.}]+)\./.exec(ref);
  if (!match) throw new Error(`not a reference: ${ref}`);
  const [, isData, type, id] = match;
  const body = (isData ? json.data : json.resource)?.[type!]?.[id!];
  if (!body) throw new Error(`dangling reference: ${ref}`);
  return body;
}

/** A service with two staged colours at full size and an HPA, for construct tests. */
export const API_SERVICE: BlueGreenServiceProps = {
  service: 'api',
  namespace: 'apps',
  live: 'blue',
  blue: { image: 'registry.example/api:1.0.0', replicas: 3 },
  green: { image: 'registry.example/api:1.1.0', replicas: 3 },
  fullReplicas: 3,
  containerPort: 3000,
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  autoscaling: { minReplicas: 3, maxReplicas: 10 },
};
