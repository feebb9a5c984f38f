import type { z } from 'zod';
import { COLOURS } from '../constructs/colours';
import { ConfigError, ConfigIssue, formatPath } from './errors';
import { snapshotIdentifier } from '../constructs/release-snapshots';
import { keptReleases } from './release';
import { EnvironmentSettings, ReleaseState, environmentSchema, releaseSchema } from './schema';
import { sharedClaims } from './uniqueness';

/** A validated environment: its settings and its release state. */
export interface Environment extends EnvironmentSettings {
  readonly release: ReleaseState;
}

/** An environment as its files give it, before validation. */
export interface EnvironmentSource {
  /** The typed settings file's export. */
  readonly settings: unknown;
  /** The parsed release file (`environments/<name>.release.json`). */
  readonly release: unknown;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined || text.length > 60 ? '' : ` (got ${text})`;
}

function issuesOf(environment: string, error: z.ZodError, prefix: PropertyKey[]): ConfigIssue[] {
  return error.issues.flatMap((issue) =>
    // A typo'd field is reported at the field itself, not at its parent.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          environment,
          path: formatPath([...prefix, ...issue.path, key]),
          message: 'is not a known field',
        }))
      : [
          {
            environment,
            path: formatPath([...prefix, ...issue.path]),
            message: issue.message + ('input' in issue ? describe(issue.input) : ''),
          },
        ],
  );
}

/** The name an environment file gives itself, before validation. */
export function environmentName(settings: unknown): string {
  const name = (settings as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : '<unnamed>';
}

/** Cross-file rules: the release file must describe exactly the configured services, within their bounds. */
function crossCheck(settings: EnvironmentSettings, release: ReleaseState): ConfigIssue[] {
  const issues: Omit<ConfigIssue, 'environment'>[] = [];
  const configured = new Set(settings.services.map((s) => s.name));
  for (const name of Object.keys(release.services)) {
    if (!configured.has(name)) {
      issues.push({ path: `release.services.${name}`, message: 'is not a service of this environment' });
    }
  }
  for (const svc of settings.services) {
    const rel = release.services[svc.name];
    if (!rel) {
      issues.push({ path: `release.services.${svc.name}`, message: 'is missing: every service needs a release entry' });
      continue;
    }
    const hpa = svc.autoscaling;
    const live = rel[rel.live];
    if (hpa && (live.replicas < hpa.minReplicas || live.replicas > hpa.maxReplicas)) {
      issues.push({
        path: `release.services.${svc.name}.${rel.live}.replicas`,
        message: `live colour must run between autoscaling.minReplicas (${hpa.minReplicas}) and maxReplicas (${hpa.maxReplicas}) replicas (got ${live.replicas})`,
      });
    } else if (live.replicas < svc.replicas) {
      issues.push({
        path: `release.services.${svc.name}.${rel.live}.replicas`,
        message: `live colour must run at full size, services[].replicas (${svc.replicas}) (got ${live.replicas})`,
      });
    }
    for (const colour of COLOURS) {
      const image = rel[colour].image;
      if (image && !image.startsWith(`${svc.imageRepository}:`) && !image.startsWith(`${svc.imageRepository}@`)) {
        issues.push({
          path: `release.services.${svc.name}.${colour}.image`,
          message: `must be an image of ${svc.imageRepository} (got "${image}")`,
        });
      }
    }
  }
  issues.push(...historyIssues(settings, release));
  return issues.map((i) => ({ environment: settings.name, ...i }));
}

/**
 * The release history names the pre-deploy snapshots: each kept release must
 * make a valid RDS snapshot identifier, no two the same (the checks
 * ReleaseSnapshots would otherwise fail on at synth), and an environment
 * that keeps no snapshots keeps no history.
 */
function historyIssues(settings: EnvironmentSettings, release: ReleaseState): Omit<ConfigIssue, 'environment'>[] {
  const kept = settings.database.snapshotsToKeep;
  if (kept === 0 && release.history.length > 0) {
    return [{ path: 'release.history', message: 'must be empty: database.snapshotsToKeep is 0, so nothing uses it' }];
  }
  const issues: Omit<ConfigIssue, 'environment'>[] = [];
  const seen = new Map<string, string>();
  const keptList = keptReleases(release.history, kept);
  const offset = release.history.length - keptList.length;
  keptList.forEach((name, i) => {
    const path = `release.history[${offset + i}]`;
    const id = snapshotIdentifier(settings.database.instanceIdentifier, name);
    if (typeof id !== 'string') {
      issues.push({ path, message: `cannot name a snapshot: ${id.error}` });
      return;
    }
    const clash = seen.get(id);
    if (clash !== undefined) {
      issues.push({ path, message: `"${name}" names the same snapshot as "${clash}" (${id})` });
    }
    seen.set(id, name);
  });
  return issues;
}

/**
 * Validates and defaults one environment. Throws a ConfigError listing every
 * problem found (not only the first), each with its field path.
 */
export function validateEnvironment(source: EnvironmentSource): Environment {
  const env = environmentName(source.settings);
  const settings = environmentSchema.safeParse(source.settings, { reportInput: true });
  const release = releaseSchema.safeParse(source.release, { reportInput: true });
  const issues = [
    ...(settings.success ? [] : issuesOf(env, settings.error, [])),
    ...(release.success ? [] : issuesOf(env, release.error, ['release'])),
  ];
  if (settings.success && release.success) issues.push(...crossCheck(settings.data, release.data));
  if (issues.length > 0 || !settings.success || !release.success) throw new ConfigError(issues);
  return { ...settings.data, release: release.data };
}

/**
 * Validates every environment before anything is built, so one bad file
 * means no output at all rather than a partial cdktf.out.
 */
export function validateAll(sources: readonly EnvironmentSource[]): Environment[] {
  const issues: ConfigIssue[] = [];
  const valid: Environment[] = [];
  for (const source of sources) {
    try {
      valid.push(validateEnvironment(source));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues);
    }
  }
  valid.forEach((env, i) => {
    if (valid.findIndex((other) => other.name === env.name) !== i) {
      issues.push({ environment: env.name, path: 'name', message: 'is used by two environment files' });
    }
  });
  issues.push(...sharedClaims(valid));
  if (issues.length > 0) throw new ConfigError(issues);
  return valid;
}
