import { Testing } from 'cdktf';
import type { BlueGreenServiceProps } from '../constructs/blue-green-service';
import { production } from '../environments/production';
import productionRelease from '../environments/production.release.json';
import { staging } from '../environments/staging';
import stagingRelease from '../environments/staging.release.json';
import { Environment, EnvironmentSource, validateEnvironment } from '../environments/validate';
import { EnvironmentStack } from '../stacks/environment-stack';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests edit raw, untyped copies on purpose */
export type Edit = (settings: any, release: any) => void;

const SOURCES = {
  staging: { settings: staging, release: stagingRelease },
  production: { settings: production, release: productionRelease },
};
export type EnvName = keyof typeof SOURCES;

/** A deep copy of a committed environment, optionally edited. */
export function source(name: EnvName, edit?: Edit): EnvironmentSource {
  const copy = structuredClone(SOURCES[name]) as { settings: any; release: any };
  edit?.(copy.settings, copy.release);
  return copy;
}

export function environment(name: EnvName, edit?: Edit): Environment {
  return validateEnvironment(source(name, edit));
}

const unedited = new Map<EnvName, string>();

/** The stack's synthesized JSON as a string; the committed environments are synthesized once per test file. */
export function synthString(name: EnvName, edit?: Edit): string {
  const synth = () => Testing.synth(new EnvironmentStack(Testing.app(), environment(name, edit)));
  if (edit) return synth();
  if (!unedited.has(name)) unedited.set(name, synth());
  return unedited.get(name)!;
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
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  autoscaling: { minReplicas: 3, maxReplicas: 10 },
};
