/**
 * `npm run synth` (bin/synth-command.mjs) with a TF_CLI_CONFIG_FILE that
 * names no file: one plain note, no red `[ERROR]` line, both stacks written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../environments/root';

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
