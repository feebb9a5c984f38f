import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../main';
import { ENV_NAMES, source } from './helpers';

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

// The run's shared synth (global-setup.ts) is the in-process `synthesize`;
// the app command below is a second, separate run to compare it with.
const SHARED = process.env.JEST_SYNTH_DIR!;

describe('synthesize', () => {
  it('writes one stack per environment', () => {
    expect(readdirSync(join(SHARED, 'stacks')).sort()).toEqual([...ENV_NAMES].sort());
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
  it('synthesizes every stack from the TypeScript sources, byte for byte as the in-process synth did', () => {
    const outdir = tempDir();
    execFileSync(process.execPath, ['bin/synth.mjs'], {
      cwd: ROOT,
      env: { ...process.env, CDKTF_OUTDIR: outdir },
      stdio: 'pipe',
    });
    const [app, shared] = [readTree(outdir), readTree(SHARED)];
    expect(Object.keys(app)).toEqual(expect.arrayContaining(ENV_NAMES.map((n) => `/stacks/${n}/cdk.tf.json`)));
    expect(app).toEqual(shared);
    rmSync(outdir, { recursive: true });
  });
});
