import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A program from Debian's packages, installed when missing (as root, as here
 * and in this project's CI; through sudo on a hosted runner). Returns its
 * path, or undefined when it is missing and cannot be installed.
 */
export function ensureDebianProgram(
  program: { readonly paths: readonly string[]; readonly versionArg: string },
  packages: readonly string[],
  why: string,
): string | undefined {
  const found = program.paths.find((p) => spawnSync(p, [program.versionArg], { stdio: 'ignore' }).status === 0);
  if (found) return found;
  const root = process.getuid?.() === 0;
  if (!root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) return undefined;
  const sudo = (cmd: string, args: string[]): [string, string[]] =>
    root ? [cmd, args] : ['sudo', ['-n', '-E', cmd, ...args]];
  console.log(`installing ${packages[0]} (Debian package) ${why}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync(...sudo('apt-get', ['update', '-qq']), { stdio: 'ignore', env });
  const installed = packages.some(
    (pkg) =>
      spawnSync(...sudo('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg]), { stdio: 'ignore', env })
        .status === 0,
  );
  return installed
    ? program.paths.find((p) => spawnSync(p, [program.versionArg], { stdio: 'ignore' }).status === 0)
    : undefined;
}

/**
 * A directory `<dir>/bin` holding busybox's applets (sh, wget, awk, …), for
 * running the release analysis as its image runs it; busybox is installed
 * from Debian's packages when missing. Returns the directory.
 */
export function busyboxApplets(dir: string): string {
  const busybox = ensureDebianProgram(
    { paths: ['/usr/bin/busybox', '/bin/busybox'], versionArg: '--help' },
    ['busybox'],
    'to run the release analysis as its image does',
  );
  if (!busybox) throw new Error('busybox is not installed and cannot be installed here');
  const applets = join(dir, 'bin');
  mkdirSync(applets, { recursive: true });
  spawnSync(busybox, ['--install', '-s', applets]);
  return applets;
}
