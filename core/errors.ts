/**
 * The errors a user can cause, each naming where: a field of an environment
 * or release file (ConfigError), or a prop of a construct (PropsError). Both
 * are printed as messages, never as stack traces.
 */

/** Where a value sits in a file: `['services', 0, 'replicas']` is `services[0].replicas`. */
export type FieldPath = readonly (string | number)[];

/** Formats a path like ['services', 0, 'replicas'] as `services[0].replicas`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(the whole file)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

/** One thing wrong with a field, before the environment is known. */
export interface FieldIssue {
  readonly path: FieldPath;
  readonly message: string;
}

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

/** Field issues of one environment as ConfigIssues. */
export function inEnvironment(environment: string, issues: readonly FieldIssue[]): ConfigIssue[] {
  return issues.map((i) => ({ environment, path: formatPath(i.path), message: i.message }));
}

/**
 * A construct was given props it cannot build. The message names the prop
 * and the bad value, so the program can print it without a stack trace.
 */
export class PropsError extends Error {
  /** The prop and what is wrong with it, without the construct. */
  public readonly problem: string;

  constructor(
    public readonly construct: string,
    public readonly prop: string,
    public readonly detail: string,
  ) {
    super(`${construct}: ${prop} ${detail}`);
    this.name = 'PropsError';
    this.problem = `${prop} ${detail}`;
  }
}

/** A construct refused a prop that came from a known field of the environment's files. */
export class FieldError extends Error {
  constructor(
    public readonly path: FieldPath,
    public readonly detail: string,
  ) {
    super(`${formatPath(path)}: ${detail}`);
    this.name = 'FieldError';
  }
}

/** Where a construct's props came from: a prop path (`blue.image`, `releases[2]`) to a field path, if known. */
export type PropSources = (prop: string) => FieldPath | undefined;

/**
 * Sources for props named like the fields they come from: the prop's first
 * segment is looked up in `bases` and the rest is appended (`resources.requests.cpu`
 * under `['services', 0, 'resources']`).
 */
export function propsUnder(bases: Readonly<Record<string, FieldPath>>): PropSources {
  return (prop) => {
    const segments = prop.match(/[^.[\]]+/g) ?? [];
    const base = bases[segments[0] ?? ''];
    if (!base) return undefined;
    return [...base, ...segments.slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
  };
}

/**
 * Builds a construct whose props come from the environment's files: a
 * PropsError about a prop whose field is known becomes a FieldError naming
 * that field, so the user reads where to fix it.
 */
export function fromFields<T>(sources: PropSources, build: () => T): T {
  try {
    return build();
  } catch (e) {
    const path = e instanceof PropsError ? sources(e.prop) : undefined;
    if (path) throw new FieldError(path, (e as PropsError).detail);
    throw e;
  }
}
