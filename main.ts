import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { PropsError } from './constructs/props-error';
import { ENVIRONMENTS } from './environments';
import { ConfigError } from './environments/errors';
import { Environment, EnvironmentSource, validateAll } from './environments/validate';
import { EnvironmentStack, EnvironmentStackOptions } from './stacks/environment-stack';
import { tokenStacksLeftEmpty } from './stacks/token-stacks';

export interface SynthOptions {
  /** Where to write; cdktf's CLI passes it through CDKTF_OUTDIR. @default cdktf's default */
  readonly outdir?: string;
  /** Where user errors are written. @default stderr */
  readonly log?: (line: string) => void;
  /** The process environment: LOCAL_STATE and CI are read from it. @default process.env */
  readonly vars?: Readonly<Record<string, string | undefined>>;
}

/**
 * LOCAL_STATE=1 keeps every stack's state in a local file, for experiments.
 * Refused when CI is set: a runner's disk, and the state on it, is thrown
 * away after the run, so the next deploy would create everything again.
 */
export function localStateRequested(environments: readonly Environment[], vars: SynthOptions['vars'] = {}): boolean {
  if (!vars.LOCAL_STATE || vars.LOCAL_STATE === '0') return false;
  if (vars.CI) {
    throw new ConfigError(
      environments.map((env) => ({
        environment: env.name,
        path: 'stateBackend',
        message:
          "local state (LOCAL_STATE) is refused when CI is set: the runner's disk, and the state on it, is thrown away after the run; use the S3 backend",
      })),
    );
  }
  return true;
}

/** Runs `fn` with cdktf's token creation stacks left empty (stacks/token-stacks.ts). */
export function withoutTokenStacks<T>(fn: () => T): T {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = tokenStacksLeftEmpty(previous);
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/**
 * Builds one stack per environment. A construct that refuses its props
 * (PropsError) becomes a ConfigError naming the environment, so every error
 * a user can cause says which environment caused it.
 */
export function buildStacks(
  app: App,
  environments: readonly Environment[],
  options: EnvironmentStackOptions = {},
): void {
  for (const env of environments) {
    try {
      new EnvironmentStack(app, env, options);
    } catch (e) {
      if (!(e instanceof PropsError)) throw e;
      throw new ConfigError([{ environment: env.name, path: `(construct) ${e.construct}`, message: e.problem }]);
    }
  }
}

/**
 * Every check synth runs, without writing anything: validation of every
 * environment (each alone and across them), then the constructs of the
 * environments named in `build` (all by default). Throws a ConfigError. The
 * release command runs it before it writes a release file.
 */
export function checkEnvironments(sources: readonly EnvironmentSource[], build?: readonly string[]): void {
  const environments = validateAll(sources).filter((env) => !build || build.includes(env.name));
  // cdktf's App creates its outdir; nothing is synthesized into it.
  const outdir = mkdtempSync(join(tmpdir(), 'cdktf-check-'));
  try {
    withoutTokenStacks(() => buildStacks(new App({ stackTraces: false, outdir }), environments));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Builds one stack per environment and synthesizes them. Every environment
 * is validated first, so a bad file produces an error and no output at all.
 * Returns the process exit code.
 */
export function synthesize(sources: readonly EnvironmentSource[] = ENVIRONMENTS, options: SynthOptions = {}): number {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    const environments = validateAll(sources);
    const localState = localStateRequested(environments, options.vars ?? process.env);
    // Construct stack traces (cdktf's default) cost time and are never read here.
    withoutTokenStacks(() => {
      const app = new App({ stackTraces: false, ...(options.outdir ? { outdir: options.outdir } : {}) });
      buildStacks(app, environments, { localState });
      app.synth();
    });
    return 0;
  } catch (e) {
    // buildStacks turns a construct's PropsError into a ConfigError.
    if (e instanceof ConfigError) {
      log(`error: ${e.message.split('\n').join('\nerror: ')}`);
      return 1;
    }
    throw e;
  }
}

export { ENVIRONMENTS };

// `ts-node main.ts` (the cdktf template's way) still works; cdktf.json's app
// is bin/synth.mjs, which loads this module and calls synthesize itself.
if (require.main === module) process.exitCode = synthesize(undefined, { outdir: process.env.CDKTF_OUTDIR });
