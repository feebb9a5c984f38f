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
  if (!vars.LOCAL_STATE || vars.LOCAL_STATE === '0') return false;
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
