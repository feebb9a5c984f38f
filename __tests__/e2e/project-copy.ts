import { cpSync, mkdtempSync, symlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export const ROOT = join(__dirname, '../..');

/** Not copied: installed, generated or tool directories. node_modules is linked instead. */
const SKIP = new Set(['node_modules', 'cdktf.out', '.git', '.venv', '.tools', 'coverage']);

/** A copy of the project's working tree in a temporary directory, sharing node_modules. */
export function projectCopy(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  cpSync(ROOT, dir, {
    recursive: true,
    filter: (src) => !SKIP.has(relative(ROOT, src).split('/')[0]!) && !src.endsWith('.tfstate'),
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
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
