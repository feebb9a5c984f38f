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

const USAGE =
  'usage: node bin/ts.mjs bin/environments.ts [--deploy-on-merge | --preview-approval | --only <name> | --state <name> | --removed-from <json list>]';

/** Flags that take an environment name, and those that take nothing. */
const NAMED = ['--only', '--state'];
/** Flags that take another list (JSON), such as the base branch's. */
const LISTS = ['--removed-from'];
const BARE = ['--deploy-on-merge', '--preview-approval'];

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
  const [flag, value, ...rest] = args;
  const valid =
    rest.length === 0 &&
    (flag === undefined
      ? value === undefined
      : NAMED.includes(flag) || LISTS.includes(flag)
        ? !!value
        : BARE.includes(flag) && !value);
  if (!valid) {
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
  if (flag === '--removed-from') return removedFrom(value!, names, out, err);
  const named = envs.find((e) => e.name === value);
  if (flag && NAMED.includes(flag) && !named) {
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
