/**
 * The cdktf app: one stack per environment in environments/index.ts.
 * cdktf.json's `app` is bin/synth.mjs, which loads this module and calls
 * `synthesize`; `ts-node main.ts` (the cdktf template's way) works too.
 */
import { synthesize } from './stacks/app';

export { ENVIRONMENTS } from './environments';
export { checkEnvironments, synthesize } from './stacks/app';

if (require.main === module) process.exitCode = synthesize(undefined, { outdir: process.env.CDKTF_OUTDIR });
