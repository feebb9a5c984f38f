/**
 * The one list of environments, for workflows' matrices: prints the names in
 * environments/index.ts as a JSON array. Adding an environment there adds it
 * to every workflow; none names an environment itself.
 *
 *   node bin/ts.mjs bin/environments.ts                    every environment
 *   node bin/ts.mjs bin/environments.ts --deploy-on-merge  those with deployOnMerge
 *   node bin/ts.mjs bin/environments.ts --only <name>      [<name>], or exit 1 if unknown
 *   node bin/ts.mjs bin/environments.ts --preview-approval those whose pull-request previews wait for a reviewer
 *   node bin/ts.mjs bin/environments.ts --state <name>     {"bucket", "region", "key", "lockKey", "deployedCommitKey"} of its state
 *   node bin/ts.mjs bin/environments.ts --removed-from <json list>   the names of that list no longer here
 */
import { ConfigError } from '../core/errors';
import { ENVIRONMENTS } from '../environments';
import { Environment, EnvironmentSource, validateAll } from '../environments/validate';
import { stateKey } from '../core/names';
import { UsageError, parseCommandArgs } from './args';

const USAGE =
  'usage: node bin/ts.mjs bin/environments.ts [--deploy-on-merge | --preview-approval | --only <name> | --state <name> | --removed-from <json list>]';

const OPTIONS = {
  only: { type: 'string', value: 'an environment name' },
  state: { type: 'string', value: 'an environment name' },
  'removed-from': { type: 'string', value: 'a JSON list of environment names' },
  'deploy-on-merge': { type: 'boolean' },
  'preview-approval': { type: 'boolean' },
} as const;

/** The one flag given (`--only`) and its value, or why the arguments are wrong. */
function parseFlag(args: readonly string[]): { flag?: string; value?: string } {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const given = Object.entries(values);
  if (given.length > 1) throw new UsageError(`give one flag at most (got ${given.map(([f]) => `--${f}`).join(', ')})`);
  const [flag, value] = given[0] ?? [];
  return flag === undefined ? {} : { flag: `--${flag}`, value: typeof value === 'string' ? value : undefined };
}

/** Where the deploy records the commit it applied: beside the state, under the environment's prefix. */
export function deployedCommitKey(stateKey: string): string {
  return stateKey.includes('/') ? stateKey.replace(/[^/]*$/, 'deployed-commit') : 'deployed-commit';
}

/** Prints the names of `list` (a JSON list, such as the base branch's) that are not in `names`. */
function removedFrom(
  list: string,
  names: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  let base: unknown;
  try {
    base = JSON.parse(list);
  } catch {
    base = undefined;
  }
  if (!Array.isArray(base) || !base.every((n) => typeof n === 'string')) {
    err(`error: --removed-from takes a JSON list of environment names, such as ["staging","production"] (got ${list})`);
    return 2;
  }
  out(JSON.stringify(base.filter((n) => !names.includes(n))));
  return 0;
}

export function run(
  args: readonly string[],
  sources: readonly EnvironmentSource[] = ENVIRONMENTS,
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): number {
  let flag: string | undefined;
  let value: string | undefined;
  try {
    ({ flag, value } = parseFlag(args));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`error: ${e.message}\n${USAGE}`);
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
  if (flag === '--removed-from') return removedFrom(value!, names, out, err);
  const named = envs.find((e) => e.name === value);
  if ((flag === '--only' || flag === '--state') && !named) {
    err(`error: no environment "${value}"; environments: ${names.join(', ')}`);
    return 1;
  }
  if (flag === '--state') {
    const b = named!.stateBackend;
    const key = stateKey(named!.name, b.key);
    out(
      JSON.stringify({
        bucket: b.bucket,
        region: b.region,
        key,
        // Terraform's native S3 lock (use_lockfile) is an object beside the state.
        lockKey: `${key}.tflock`,
        deployedCommitKey: deployedCommitKey(key),
      }),
    );
    return 0;
  }
  const chosen =
    flag === '--deploy-on-merge'
      ? envs.filter((e) => e.deployOnMerge).map((e) => e.name)
      : flag === '--preview-approval'
        ? envs.filter((e) => e.previewApproval ?? e.protect).map((e) => e.name)
        : flag === '--only'
          ? [value!]
          : names;
  out(JSON.stringify(chosen));
  return 0;
}

export const main = (args: readonly string[]): number => run(args);
