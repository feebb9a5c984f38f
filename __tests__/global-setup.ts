/**
 * Synthesizes every environment in ENVIRONMENTS once per jest run, through
 * the same `synthesize` the cdktf app calls, and leaves the output in a
 * temporary directory that test files read (see `synthJson` in helpers.ts).
 * Test files that only look at the committed environments then load no
 * cdktf or provider module at all.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../main';
import { createTempRoot } from './temp-root';

export default function globalSetup(): void {
  createTempRoot();
  const outdir = mkdtempSync(join(tmpdir(), 'jest-synth-'));
  const errors: string[] = [];
  if (synthesize(undefined, { outdir, log: (line) => errors.push(line) }) !== 0) {
    throw new Error(`the committed environments do not synthesize:\n${errors.join('\n')}`);
  }
  // Workers inherit the environment of the process that starts them.
  process.env.JEST_SYNTH_DIR = outdir;
}
