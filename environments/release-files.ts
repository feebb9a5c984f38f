/**
 * Each environment's release file is `environments/<name>.release.json`,
 * named after the environment's `name`: the one file synth reads and the
 * release command writes. Found by name at run time, never imported by
 * hand, so a renamed environment cannot read one file and write another.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './root';
import { releaseFilePath } from '../core/names';
import { StrictJsonError, parseStrictJson } from '../core/strict-json';
import { EnvironmentSource, environmentName } from './validate';

/**
 * Reads and parses a release file with the strict reader. Returns its value,
 * or `{ problem }` completing "<file> …" when it cannot be used.
 */
export function readReleaseFile(path: string): { value: unknown } | { problem: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (e as Error).message})` };
  }
  try {
    return { value: parseStrictJson(bytes) };
  } catch (e) {
    if (e instanceof StrictJsonError) return { problem: e.message };
    throw e;
  }
}

/** Environment sources for these settings files, each with the release file named after it. */
export function withReleaseFiles(settings: readonly unknown[], root: string = ROOT): EnvironmentSource[] {
  return settings.map((s) => {
    const file = releaseFilePath(environmentName(s));
    const read = readReleaseFile(join(root, file));
    return 'value' in read
      ? { settings: s, release: read.value }
      : {
          settings: s,
          release: undefined,
          releaseProblem: `${file} ${read.problem}${read.problem === 'does not exist' ? ` (the release file is named after the environment's name; create it, or run: cp environments/staging.release.json ${file})` : ''}`,
        };
  });
}
