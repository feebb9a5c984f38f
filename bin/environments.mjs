#!/usr/bin/env node
// The one list of environments, for workflows' matrices: prints the names in
// environments/index.ts as a JSON array. Adding an environment there adds it
// to every workflow; none names an environment itself.
//
//   node bin/environments.mjs                    every environment
//   node bin/environments.mjs --deploy-on-merge  those with deployOnMerge
//   node bin/environments.mjs --only <name>      [<name>], or exit 1 if unknown
import { loadTs } from './load-ts.mjs';

const { ENVIRONMENTS } = await loadTs('environments/index.ts');
const { validateAll } = await loadTs('environments/validate.ts');
const [flag, value, ...rest] = process.argv.slice(2);
const usage = 'usage: node bin/environments.mjs [--deploy-on-merge | --only <name>]';
if (rest.length > 0 || (flag && !['--deploy-on-merge', '--only'].includes(flag)) || (flag === '--only') !== !!value) {
  console.error(usage);
  process.exit(2);
}
let envs;
try {
  envs = validateAll(ENVIRONMENTS);
} catch (e) {
  console.error(`error: ${e.message.split('\n').join('\nerror: ')}`);
  process.exit(1);
}
const names = envs.map((e) => e.name);
if (flag === '--only' && !names.includes(value)) {
  console.error(`error: no environment "${value}"; environments: ${names.join(', ')}`);
  process.exit(1);
}
const chosen =
  flag === '--deploy-on-merge'
    ? envs.filter((e) => e.deployOnMerge).map((e) => e.name)
    : flag === '--only'
      ? [value]
      : names;
console.log(JSON.stringify(chosen));
