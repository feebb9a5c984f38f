/**
 * Commands as a shell runs them, when the input is odd or the output cannot
 * be written: one line of error, the right exit code, never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './project-copy';

const dir = mkdtempSync(join(tmpdir(), 'command-output-'));
const plan = (name: string, content: string | Buffer) => {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
};
const PLAN = JSON.stringify({
  format_version: '1.2',
  planned_values: {},
  resource_changes: Array.from({ length: 3000 }, (_, i) => ({
    address: `kubernetes_config_map_v1.c${i}`,
    mode: 'managed',
    type: 'kubernetes_config_map_v1',
    name: `c${i}`,
    provider_name: 'registry.terraform.io/hashicorp/kubernetes',
    change: { actions: ['create'], before: null, after: { data: { k: 'v'.repeat(100) } }, after_sensitive: {} },
  })),
});
const sh = (script: string) =>
  spawnSync('bash', ['-o', 'pipefail', '-c', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
const redact = 'node bin/ts.mjs bin/plan-redact-command.ts';

describe('the plan tools from a shell', () => {
  it('P10: a reader that stops early (| head -c 100) ends the command quietly, exit 0', () => {
    const res = sh(`${redact} ${plan('big.json', PLAN)} | head -c 100`);
    expect(res.stdout).toHaveLength(100);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('P11: a full disk is one line naming it, exit 1', () => {
    const res = sh(`${redact} ${plan('big2.json', PLAN)} > /dev/full`);
    expect(res.stderr).toBe('error: cannot write the output (ENOSPC: no space left on device)\n');
    expect(res.status).toBe(1);
  });

  it('P6: a plan nested 20,000 levels deep is refused, not a RangeError', () => {
    const deep = `{"format_version":"1.2","resource_changes":[],"planned_values":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    for (const tool of ['plan-redact-command', 'plan-summary-command']) {
      const file = plan('deep.json', deep);
      const res = sh(`node bin/ts.mjs bin/${tool}.ts ${file}`);
      expect(res.stderr).toBe(
        `error: ${file}: nests deeper than 1000 levels, which no Terraform plan does; pass the output of terraform show -json <planfile>\n`,
      );
      expect(res.status).toBe(1);
    }
  });

  it('P3, P4: a UTF-16 plan names its encoding; a UTF-8 byte-order mark is read', () => {
    const utf16 = plan('utf16.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PLAN, 'utf16le')]));
    const res = sh(`${redact} ${utf16}`);
    expect(res.stderr).toBe(
      `error: ${utf16}: is UTF-16 (little-endian) encoded: save it as UTF-8 (PowerShell's ">" writes UTF-16: use terraform show -json <planfile> | Out-File -Encoding utf8 <file>)\n`,
    );
    expect(res.status).toBe(1);
    const bom = sh(`${redact} ${plan('bom.json', `\ufeff${PLAN}`)}`);
    expect(bom.status).toBe(0);
    expect(JSON.parse(bom.stdout).resource_changes).toHaveLength(3000);
  });
});

describe('commands', () => {
  it('a file without main(args) is named, not a TypeError', () => {
    const res = sh('node bin/ts.mjs environments/index.ts');
    expect(res).toMatchObject({ status: 2, stderr: 'error: environments/index.ts exports no main(args) function\n' });
  });

  it('E12: a key given twice in an environment file stops synth at the file and line', () => {
    const file = join(dir, 'main-dup.ts');
    writeFileSync(file, 'export const main = () => { const s = { a: 1, a: 2 }; return s.a === 2 ? 0 : 1; };\n');
    const res = sh(`node bin/ts.mjs ${file}`);
    expect(res.stderr).toMatch(/^error: .*main-dup\.ts:1:46: Duplicate key "a" in object literal\n$/);
    expect(res.status).toBe(1);
  });
});
