import type { z } from 'zod';
import { ConfigError, ConfigIssue, FieldIssue, FieldPath, formatPath, inEnvironment } from '../core/errors';
import { releaseIssues } from '../features/release/checks';
import { ReleaseState, releaseSchema } from '../features/release/schema';
import { EnvironmentSettings, environmentSchema } from './schema';
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
  /** Why the release file could not be read, when it could not: reported as the `release` field's issue. */
  readonly releaseProblem?: string;
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
            // A record key's own rule says what is wrong; zod's outer issue only "Invalid key".
            message:
              (issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message) +
              ('input' in issue ? describe(issue.input) : ''),
          },
        ],
  );
}

/**
 * Strings of a file that hold a Terraform template sequence ("${" or "%{"),
 * keys included: cdktf writes them into cdk.tf.json as they are, where
 * Terraform evaluates them, so `pa${ss}` fails at validate, or worse, reads
 * something. Refused rather than escaped: no field of ours needs one.
 */
export function templateSequences(value: unknown, path: PropertyKey[] = [], seen = new Set<object>()): FieldIssue[] {
  const problem = (text: string) => /\$\{|%\{/.exec(text)?.[0];
  const issue = (at: PropertyKey[], found: string, what: string): FieldIssue => ({
    path: at as FieldPath,
    message: `${what} "${found}", which Terraform would read as the start of an expression: environment and release files hold plain values`,
  });
  if (typeof value === 'string') {
    const found = problem(value);
    return found ? [issue(path, found, 'contains')] : [];
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  return Object.entries(value).flatMap(([key, v]) => {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    const found = problem(key);
    return [...(found ? [issue(at, found, 'has a key with')] : []), ...templateSequences(v, at, seen)];
  });
}

/** The name an environment file gives itself, before validation. */
export function environmentName(settings: unknown): string {
  const name = (settings as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : '<unnamed>';
}

/**
 * Validates and defaults one environment. Throws a ConfigError listing every
 * problem found (not only the first), each with its field path.
 */
export function validateEnvironment(source: EnvironmentSource): Environment {
  const env = environmentName(source.settings);
  const settings = environmentSchema.safeParse(source.settings, { reportInput: true });
  if (source.releaseProblem) {
    throw new ConfigError([
      ...(settings.success ? [] : issuesOf(env, settings.error, [])),
      { environment: env, path: 'release', message: source.releaseProblem },
    ]);
  }
  const templates = [
    ...inEnvironment(env, templateSequences(source.settings)),
    ...inEnvironment(env, templateSequences(source.release, ['release'])),
  ];
  if (templates.length > 0) throw new ConfigError(templates);
  const release = releaseSchema.safeParse(source.release, { reportInput: true });
  const issues = [
    ...(settings.success ? [] : issuesOf(env, settings.error, [])),
    ...(release.success ? [] : issuesOf(env, release.error, ['release'])),
  ];
  if (settings.success && release.success) {
    issues.push(...inEnvironment(env, releaseIssues(settings.data, release.data)));
  }
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
