/**
 * The compile cache of the app command (bin/compile-cache.mjs): a run fills
 * it, a later run reads it, and a damaged entry costs time, never a wrong or
 * failed synth.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function synth(cache: string, outdir: string) {
  return spawnSync(process.execPath, ['bin/synth.mjs'], {
    cwd: ROOT,
    env: { ...process.env, MLS_COMPILE_CACHE: cache, CDKTF_OUTDIR: outdir },
    encoding: 'utf8',
  });
}

const stack = (outdir: string, name: string) => readFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8');

describe('the compile cache of the app command', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is filled by a run, and a run over damaged entries still writes the same stacks and mends them', () => {
    const cache = join(dir, 'cache');
    const first = synth(cache, join(dir, 'first'));
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const entries = readdirSync(cache);
    // The providers, cdktf, constructs and zod: hundreds of modules, none left half-written.
    expect(entries.length).toBeGreaterThan(100);
    expect(entries.filter((e) => !/^[0-9a-f]{40}$/.test(e))).toEqual([]);

    for (const e of entries) writeFileSync(join(cache, e), 'not a code cache');
    const second = synth(cache, join(dir, 'second'));
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    for (const env of ['staging', 'production'])
      expect(stack(join(dir, 'second'), env)).toBe(stack(join(dir, 'first'), env));
    // Refused entries are written anew.
    expect(entries.every((e) => statSync(join(cache, e)).size > 'not a code cache'.length)).toBe(true);
  });
});
