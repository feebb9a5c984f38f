import { ConfigError } from '../core/errors';

/**
 * LOCAL_STATE=1 keeps every stack's state in a local file, for experiments.
 * Refused when CI is set: a runner's disk, and the state on it, is thrown
 * away after the run, so the next deploy would create everything again.
 */
export function localStateRequested(
  environments: readonly { readonly name: string }[],
  vars: Readonly<Record<string, string | undefined>> = {},
): boolean {
  const value = vars.LOCAL_STATE ?? '';
  // Only an explicit yes selects local state: "false" or "no" must never.
  if (['', '0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
  if (!['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) {
    throw new ConfigError(
      environments.map((env) => ({
        environment: env.name,
        path: 'LOCAL_STATE',
        message: `must be 1, true, yes or on to keep state in a local file, or 0, false, no, off or unset for the S3 backend (got ${JSON.stringify(value)})`,
      })),
    );
  }
  if (vars.CI) {
    throw new ConfigError(
      environments.map((env) => ({
        environment: env.name,
        path: 'stateBackend',
        message:
          "local state (LOCAL_STATE) is refused when CI is set: the runner's disk, and the state on it, is thrown away after the run; use the S3 backend",
      })),
    );
  }
  return true;
}
