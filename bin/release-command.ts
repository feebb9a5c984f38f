/**
 * The release command: edits environments/<env>.release.json by one move,
 * validating before it writes and writing atomically (temp file + rename),
 * so the file is either the old state or the new one, never half of each.
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS } from '../environments';
import { ConfigError } from '../environments/errors';
import { ReleaseError, VERBS, Verb, applyMove } from '../environments/release';
import { EnvironmentSource, environmentName, validateEnvironment } from '../environments/validate';

const USAGE = `usage: npm run release -- <environment> <verb> [image] [--service <name>]
verbs:
  stage <image>  give the idle colour <image> at full replicas
  promote        move traffic to the staged colour
  rollback       move traffic back while the previous colour still runs
  finish         scale the previous colour down to its idle replicas`;

/** The file operations the command needs; tests pass failing ones. */
export type ReleaseFs = Pick<typeof nodeFs, 'readFileSync' | 'writeFileSync' | 'renameSync' | 'rmSync'>;

export interface ReleaseOptions {
  /** Project root holding environments/. */
  readonly root: string;
  readonly sources?: readonly EnvironmentSource[];
  readonly fs?: ReleaseFs;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

export function releaseFile(root: string, env: string): string {
  return join(root, 'environments', `${env}.release.json`);
}

/** Writes `content` to `path` through a temp file and a rename. */
export function writeAtomic(fs: ReleaseFs, path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, content, { flag: 'wx' });
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Runs the command; returns the exit code (0 done, 1 refused, 2 usage). */
export function runRelease(args: readonly string[], options: ReleaseOptions): number {
  const fs = options.fs ?? nodeFs;
  const out = options.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = options.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const positional: string[] = [];
  let service: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--service') service = args[++i];
    else positional.push(args[i]!);
  }
  const [envName, verb, image, ...extra] = positional;
  if (!envName || !verb || !VERBS.includes(verb as Verb) || extra.length > 0 || (verb === 'stage') !== !!image) {
    err(USAGE);
    return 2;
  }
  const source = (options.sources ?? ENVIRONMENTS).find((s) => environmentName(s.settings) === envName);
  if (!source) {
    err(`error: no environment "${envName}" in environments/index.ts`);
    return 2;
  }
  const path = releaseFile(options.root, envName);
  try {
    let current: unknown;
    try {
      current = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (e) {
      throw new ReleaseError(`cannot read ${path}: ${(e as Error).message}`);
    }
    const env = validateEnvironment({ settings: source.settings, release: current });
    const result = applyMove(env, { verb: verb as Verb, service, image });
    // The new state must be one synth accepts, or nothing is written.
    validateEnvironment({ settings: source.settings, release: result.release });
    writeAtomic(fs, path, `${JSON.stringify(result.release, null, 2)}\n`);
    out(result.summary);
    out(`wrote ${path}`);
    out(`next: review the diff, then run: npx cdktf plan ${envName}`);
    return 0;
  } catch (e) {
    if (e instanceof ReleaseError || e instanceof ConfigError) {
      err(`error: ${e.message}`);
      return 1;
    }
    err(`error: could not write ${path}: ${(e as Error).message}; the file is unchanged`);
    return 1;
  }
}
