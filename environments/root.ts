import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project root: the nearest directory above this module with a
 * package.json. Found, not computed from `__dirname` alone, because a
 * bundled command's `__dirname` is its entry point's, wherever this module is.
 */
function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const ROOT = findRoot(__dirname);
