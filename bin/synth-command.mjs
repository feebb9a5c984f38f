#!/usr/bin/env node
// `npm run synth`: `cdktf synth`, without the red "[ERROR] ... problems with
// the CLI configuration" lines cdktf prints when TF_CLI_CONFIG_FILE names a
// file that does not exist (it asks Terraform its version, and Terraform
// warns). Synth needs no CLI configuration: such a setting is left out, and
// said once, in plain words.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const env = { ...process.env, CHECKPOINT_DISABLE: '1' };
const config = env.TF_CLI_CONFIG_FILE;
if (config && !existsSync(config)) {
  console.log(
    `note: TF_CLI_CONFIG_FILE names ${config}, which does not exist; synth does not need it and runs without it.`,
  );
  delete env.TF_CLI_CONFIG_FILE;
}
const cdktf = createRequire(import.meta.url).resolve('cdktf-cli/bundle/bin/cdktf');
const res = spawnSync(process.execPath, [cdktf, 'synth', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(res.status ?? 1);
