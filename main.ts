import { App } from 'cdktf';
import { PropsError } from './constructs/props-error';
import { ENVIRONMENTS } from './environments';
import { ConfigError } from './environments/errors';
import { Environment, EnvironmentSource, validateAll } from './environments/validate';
import { EnvironmentStack } from './stacks/environment-stack';

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
    const app = new App({ stackTraces: false, ...(options.outdir ? { outdir: options.outdir } : {}) });
    for (const env of environments) new EnvironmentStack(app, env, { localState });
    app.synth();
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof PropsError) {
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
