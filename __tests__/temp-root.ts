/**
 * One temporary directory per jest run, holding every temporary file the
 * tests and the processes they start create: TMPDIR points into it (Node's
 * os.tmpdir(), Terraform, Go and npm all read it), and the teardown removes
 * it whole. So a test that forgets to clean up leaves nothing behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KEY = 'JEST_TEMP_ROOT';

/** Creates the run's directory and points TMPDIR at it; workers inherit both. */
export function createTempRoot(): void {
  const root = mkdtempSync(join(tmpdir(), 'mls-jest-'));
  process.env[KEY] = root;
  process.env.TMPDIR = process.env.TMP = process.env.TEMP = root;
}

export function removeTempRoot(): void {
  if (process.env[KEY]) rmSync(process.env[KEY], { recursive: true, force: true });
}

export default createTempRoot;
