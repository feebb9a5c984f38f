/** One thing wrong with an environment, at a field path such as `services[0].replicas`. */
export interface ConfigIssue {
  readonly environment: string;
  readonly path: string;
  readonly message: string;
}

/**
 * A mistake in an environment or release file. Its message is meant for the
 * person who edited the file: the environment, the field path, what is wrong.
 */
export class ConfigError extends Error {
  constructor(public readonly issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `environment "${i.environment}": ${i.path}: ${i.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Formats a path like ['services', 0, 'replicas'] as `services[0].replicas`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(the whole file)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}
