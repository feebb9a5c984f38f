import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyProjectTree } from '../../tooling/project-copy';

export const ROOT = join(__dirname, '../..');

/** A copy of the project's working tree in a temporary directory, sharing node_modules (tooling/project-copy.ts). */
export function projectCopy(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  copyProjectTree(dir);
  return dir;
}

/** A document of the project (`docs/releases.md`), as text. */
export const doc = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The fenced shell block that follows the HTML comment `marker` in a document. */
export function readmeBlock(readme: string, marker: string): string[] {
  const at = readme.indexOf(`<!-- ${marker}`);
  if (at < 0) throw new Error(`the document has no "${marker}" block`);
  const open = readme.indexOf('```sh\n', at) + '```sh\n'.length;
  const close = readme.indexOf('```', open);
  return readme
    .slice(open, close)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
