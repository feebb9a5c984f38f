/**
 * The App: every environment validated, then one stack each, checked, then
 * written. A mistake in any file, a construct's refusal or a broken
 * invariant stops it before anything is written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects, TerraformStack } from 'cdktf';
import { ConfigError, FieldError, PropsError, formatPath } from '../core/errors';
import { ENVIRONMENTS } from '../environments';
import { Environment, EnvironmentSource, validateAll } from '../environments/validate';
import { EnvironmentStack, EnvironmentStackOptions } from './environment-stack';
import { grantProblems } from './aspects';
import { localStateRequested } from './local-state';
import { captureLeftEmpty, tokenStacksLeftEmpty } from './token-stacks';

export interface SynthOptions {
  /** Where to write; cdktf's CLI passes it through CDKTF_OUTDIR. @default cdktf's default */
  readonly outdir?: string;
  /** Where user errors are written. @default stderr */
  readonly log?: (line: string) => void;
  /** The process environment: LOCAL_STATE and CI are read from it. @default process.env */
  readonly vars?: Readonly<Record<string, string | undefined>>;
}

/** A stack broke an invariant the Aspects check (a bug in this program, not in a file). */
export class InvariantError extends Error {}

/** Runs `fn` with cdktf's token creation stacks left empty (stacks/token-stacks.ts). */
export function withoutTokenStacks<T>(fn: () => T): T {
  const previous = Error.prepareStackTrace;
  const capture = Error.captureStackTrace;
  Error.prepareStackTrace = tokenStacksLeftEmpty(previous);
  Error.captureStackTrace = captureLeftEmpty(capture);
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = previous;
    Error.captureStackTrace = capture;
  }
}

/**
 * Builds one stack per environment. A construct's refusal names the
 * environment: at the field it came from when the wiring knows it
 * (FieldError), else at the construct's prop (PropsError).
 */
export function buildStacks(
  app: App,
  environments: readonly Environment[],
  options: EnvironmentStackOptions = {},
): EnvironmentStack[] {
  return environments.map((env) => {
    try {
      return new EnvironmentStack(app, env, options);
    } catch (e) {
      if (e instanceof FieldError) {
        throw new ConfigError([{ environment: env.name, path: formatPath(e.path), message: e.detail }]);
      }
      if (e instanceof PropsError) {
        throw new ConfigError([{ environment: env.name, path: `(construct) ${e.construct}`, message: e.problem }]);
      }
      throw e;
    }
  });
}

/**
 * Runs every stack's Aspects before anything is written, as synth will, then
 * seals each stack (renders it once, the rendering synth then writes) and
 * checks the rendering's grants; throws an InvariantError listing every
 * error: synth writes stack after stack, so an error found while writing the
 * second would leave the first written.
 */
export function checkInvariants(stacks: readonly TerraformStack[]): void {
  const errors = stacks.flatMap((stack) => {
    const aspects = Aspects.of(stack).all;
    const nodes = stack.node.findAll();
    for (const node of nodes) for (const aspect of aspects) aspect.visit(node);
    const annotated = nodes.flatMap((node) =>
      node.node.metadata.filter((m) => m.type === '@cdktf/error').map((m) => `${stack.node.id}: ${String(m.data)}`),
    );
    const rendering = stack instanceof EnvironmentStack ? stack.seal() : stack.toTerraform();
    return [...annotated, ...grantProblems(rendering).map((p) => `${stack.node.id}: ${p}`)];
  });
  if (errors.length > 0) throw new InvariantError(errors.join('\n'));
}

/**
 * Every check synth runs, without writing anything: validation of every
 * environment (each alone and across them), then the constructs and
 * invariants of the environments named in `build` (all by default). Throws a
 * ConfigError. The release command runs it before it writes a release file.
 */
export function checkEnvironments(sources: readonly EnvironmentSource[], build?: readonly string[]): void {
  const environments = validateAll(sources).filter((env) => !build || build.includes(env.name));
  // cdktf's App creates its outdir; nothing is synthesized into it.
  const outdir = mkdtempSync(join(tmpdir(), 'cdktf-check-'));
  try {
    withoutTokenStacks(() => checkInvariants(buildStacks(new App({ stackTraces: false, outdir }), environments)));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Builds one stack per environment and synthesizes them. Every environment
 * is validated and every stack checked first, so a bad file produces an
 * error and no output at all. Returns the process exit code.
 */
export function synthesize(sources: readonly EnvironmentSource[] = ENVIRONMENTS, options: SynthOptions = {}): number {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    const environments = validateAll(sources);
    const localState = localStateRequested(environments, options.vars ?? process.env);
    // Construct stack traces (cdktf's default) cost time and are never read here.
    withoutTokenStacks(() => {
      const app = new App({ stackTraces: false, ...(options.outdir ? { outdir: options.outdir } : {}) });
      checkInvariants(buildStacks(app, environments, { localState }));
      app.synth();
    });
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      log(`error: ${e.message.split('\n').join('\nerror: ')}`);
      return 1;
    }
    if (e instanceof InvariantError) {
      log(`error: a stack breaks an invariant (a bug in this program, not in your files):`);
      log(`error: ${e.message.split('\n').join('\nerror: ')}`);
      return 1;
    }
    throw e;
  }
}
