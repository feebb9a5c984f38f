import { App } from 'cdktf';
import { PropsError } from './constructs/props-error';
import { ENVIRONMENTS } from './environments';
import { ConfigError } from './environments/errors';
import { EnvironmentSource, validateAll } from './environments/validate';
import { EnvironmentStack } from './stacks/environment-stack';

export interface SynthOptions {
  /** Where to write; cdktf's CLI passes it through CDKTF_OUTDIR. @default cdktf's default */
  readonly outdir?: string;
  /** Where user errors are written. @default stderr */
  readonly log?: (line: string) => void;
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
    // Construct stack traces (cdktf's default) cost time and are never read here.
    const app = new App({ stackTraces: false, ...(options.outdir ? { outdir: options.outdir } : {}) });
    for (const env of environments) new EnvironmentStack(app, env);
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
