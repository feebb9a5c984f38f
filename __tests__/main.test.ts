import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../main';
import { source } from './helpers';

const ROOT = join(__dirname, '..');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'synth-'));
}

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

describe('synthesize', () => {
  it('writes one stack per environment', () => {
    const outdir = tempDir();
    expect(synthesize(undefined, { outdir })).toBe(0);
    expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual(['production', 'staging']);
    rmSync(outdir, { recursive: true });
  });

  it('gives identical bytes on two runs', () => {
    const [a, b] = [tempDir(), tempDir()];
    synthesize(undefined, { outdir: a });
    synthesize(undefined, { outdir: b });
    const [treeA, treeB] = [readTree(a), readTree(b)];
    expect(Object.keys(treeA).length).toBeGreaterThan(2);
    expect(treeA).toEqual(treeB);
    rmSync(a, { recursive: true });
    rmSync(b, { recursive: true });
  });

  it('writes nothing at all when any environment is invalid, and says why', () => {
    const outdir = join(tempDir(), 'out');
    const lines: string[] = [];
    const code = synthesize([source('staging'), source('production', (s) => (s.services[0].replicas = 0))], {
      outdir,
      log: (line) => lines.push(line),
    });
    expect(code).toBe(1);
    expect(existsSync(outdir)).toBe(false);
    expect(lines.join('\n')).toMatch(/^error: environment "production": services\[0\]\.replicas: /);
  });
});

describe('the cdktf app command (bin/synth.mjs)', () => {
  const run = (env: NodeJS.ProcessEnv) =>
    execFileSync(process.execPath, ['bin/synth.mjs'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });

  it('synthesizes both stacks from the TypeScript sources', () => {
    const outdir = tempDir();
    run({ CDKTF_OUTDIR: outdir });
    expect(existsSync(join(outdir, 'stacks/staging/cdk.tf.json'))).toBe(true);
    expect(existsSync(join(outdir, 'stacks/production/cdk.tf.json'))).toBe(true);
    rmSync(outdir, { recursive: true });
  });
});
