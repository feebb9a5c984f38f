/**
 * A command's temporary files in one directory of its own: TMPDIR (read by
 * Node's os.tmpdir(), Python, Terraform, Go and helm) points at a new
 * directory until the returned function removes it and puts TMPDIR back, so
 * the command and every tool it starts leave /tmp as they found it.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @param mode the directory's mode, when a tool running as another user reads inside it. @default 0o700 */
export function ownTmpdir(prefix: string, mode?: number): () => void {
  const outer = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (mode !== undefined) chmodSync(dir, mode);
  process.env.TMPDIR = dir;
  return () => {
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
    // Retried: a process of the command may still be ending (a stopped cluster test's watchdog takes about 3 s).
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  };
}
