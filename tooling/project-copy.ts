/**
 * A copy of the project's working tree for a run that must not touch the
 * original (the cluster test, the end-to-end tests): what git ignores is
 * left out, so a local virtualenv, reports or a plan never travel with it,
 * and node_modules is linked, not copied.
 */
import { cpSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { ROOT } from '../environments/root';

/** What a .gitignore line leaves out: a directory (`name/`), a suffix (`*.ext`) or a file name. */
export interface Ignored {
  readonly dirs: ReadonlySet<string>;
  readonly suffixes: readonly string[];
  readonly names: ReadonlySet<string>;
}

/**
 * The patterns of a .gitignore, in the three forms this project uses. Any
 * other form is refused, naming the line, rather than copied past unread.
 */
export function parseGitignore(text: string): Ignored {
  const dirs = new Set<string>();
  const suffixes: string[] = [];
  const names = new Set<string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^[\w.-]+\/$/.test(line)) dirs.add(line.slice(0, -1));
    else if (/^\*\.[\w.-]+$/.test(line)) suffixes.push(line.slice(1));
    else if (/^[\w.-]+$/.test(line)) names.add(line);
    else throw new Error(`.gitignore:${i + 1}: "${line}" is not a form the project copy reads (name/, *.ext, name)`);
  }
  return { dirs, suffixes, names };
}

/** Whether `path` (relative to the project) is ignored: any of its directories, or its file name. */
export function ignored(path: string, by: Ignored): boolean {
  const parts = path.split('/');
  if (parts.some((p) => by.dirs.has(p))) return true;
  const name = basename(path);
  return by.names.has(name) || by.suffixes.some((s) => name.endsWith(s));
}

/** Copies the project to `to` without what git ignores and without .git, and links node_modules (ignored or not). */
export function copyProjectTree(to: string, root: string = ROOT): void {
  const by = parseGitignore(readFileSync(join(root, '.gitignore'), 'utf8'));
  cpSync(root, to, {
    recursive: true,
    filter: (src) => {
      const path = relative(root, src);
      const top = path.split('/')[0];
      return path === '' || (top !== '.git' && top !== 'node_modules' && !ignored(path, by));
    },
  });
  symlinkSync(join(root, 'node_modules'), join(to, 'node_modules'));
}
