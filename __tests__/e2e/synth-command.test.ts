/**
 * The synth commands as a user runs them: the cdktf app (bin/synth.mjs) writes
 * byte for byte what the in-process `synthesize` writes, with no Terraform on
 * the PATH; `npm run synth` (bin/synth-command.mjs) with a TF_CLI_CONFIG_FILE
 * that names no file says so once, prints no red `[ERROR]` line, and writes
 * both stacks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../environments/root';
import { ENVIRONMENTS } from '../../environments';
import { environmentName } from '../../environments/validate';
import { synthesize } from '../../main';

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[path.slice(dir.length)] = readFileSync(path, 'utf8');
    }
  }
  return out;
}

it('the cdktf app synthesizes every stack from the TypeScript sources, byte for byte as the in-process synth does, with no Terraform', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synth-app-'));
  try {
    // On a PATH that holds only node: cdktf's DataResource, moved and import
    // blocks run `terraform version` at every synth, and fail it with a stack
    // trace where Terraform is missing; synth needs no Terraform.
    symlinkSync(process.execPath, join(dir, 'node'));
    const res = spawnSync(join(dir, 'node'), ['bin/synth.mjs'], {
      cwd: ROOT,
      env: { ...process.env, PATH: dir, CDKTF_OUTDIR: join(dir, 'app') },
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const said: string[] = [];
    expect(synthesize(undefined, { outdir: join(dir, 'in-process'), log: (line) => said.push(line) })).toBe(0);
    expect(said).toEqual([]);
    const [app, inProcess] = [readTree(join(dir, 'app')), readTree(join(dir, 'in-process'))];
    const names = ENVIRONMENTS.map((s) => environmentName(s.settings));
    expect(Object.keys(app)).toEqual(expect.arrayContaining(names.map((n) => `/stacks/${n}/cdk.tf.json`)));
    expect(app).toEqual(inProcess);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('synth says once that the missing CLI config is left out, and prints no error line', () => {
  const out = mkdtempSync(join(tmpdir(), 'synth-command-'));
  try {
    const missing = join(out, 'no-such.terraformrc');
    const res = spawnSync(process.execPath, ['bin/synth-command.mjs', '--output', out], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: missing, CI: '1' },
    });
    const output = `${res.stdout}${res.stderr}`;
    expect(res.status).toBe(0);
    expect(output.match(/note: TF_CLI_CONFIG_FILE names .* which does not exist/g)).toHaveLength(1);
    expect(output).toContain(missing);
    expect(output).not.toMatch(/\[ERROR\]|problems with the CLI configuration/);
    for (const env of ['staging', 'production']) expect(existsSync(join(out, 'stacks', env, 'cdk.tf.json'))).toBe(true);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
