/**
 * The one list of environments, for workflows' matrices: prints the names in
 * environments/index.ts as a JSON array. Adding an environment there adds it
 * to every workflow; none names an environment itself.
 *
 *   node bin/ts.mjs bin/environments.ts                    every environment
 *   node bin/ts.mjs bin/environments.ts --deploy-on-merge  those with deployOnMerge
 *   node bin/ts.mjs bin/environments.ts --only <name>      [<name>], or exit 1 if unknown
 */
import { ConfigError } from '../core/errors';
import { ENVIRONMENTS } from '../environments';
import { Environment, EnvironmentSource, validateAll } from '../environments/validate';

const USAGE = 'usage: node bin/ts.mjs bin/environments.ts [--deploy-on-merge | --only <name>]';

export function run(
  args: readonly string[],
  sources: readonly EnvironmentSource[] = ENVIRONMENTS,
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): number {
  const [flag, value, ...rest] = args;
  if (rest.length > 0 || (flag && !['--deploy-on-merge', '--only'].includes(flag)) || (flag === '--only') !== !!value) {
    err(USAGE);
    return 2;
  }
  let envs: Environment[];
  try {
    envs = validateAll(sources);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`error: ${e.message.split('\n').join('\nerror: ')}`);
    return 1;
  }
  const names = envs.map((e) => e.name);
  if (flag === '--only' && !names.includes(value!)) {
    err(`error: no environment "${value}"; environments: ${names.join(', ')}`);
    return 1;
  }
  const chosen =
    flag === '--deploy-on-merge'
      ? envs.filter((e) => e.deployOnMerge).map((e) => e.name)
      : flag === '--only'
        ? [value!]
        : names;
  out(JSON.stringify(chosen));
  return 0;
}

export const main = (args: readonly string[]): number => run(args);
