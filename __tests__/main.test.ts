import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../main';
import { withoutTokenStacks } from '../stacks/app';
import { localStateRequested } from '../stacks/local-state';
import { TERRAFORM_REQUIRED_VERSION } from '../core/terraform-version';
import { Testing } from 'cdktf';
import { EnvironmentStack } from '../stacks/environment-stack';
import { ENV_NAMES, environment, source } from './helpers';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'synth-'));
}

// The run's shared synth (global-setup.ts) is the in-process `synthesize`;
// the app command's own run is compared with it in e2e/synth-command.test.ts.
const SHARED = process.env.JEST_SYNTH_DIR!;

describe('synthesize', () => {
  it('writes one stack per environment', () => {
    expect(readdirSync(join(SHARED, 'stacks')).sort()).toEqual([...ENV_NAMES].sort());
  });

  it('sets Error’s stack hooks only while it builds the stacks, and restores them when a build throws', () => {
    const hooks = () => [Error.prepareStackTrace, Error.captureStackTrace];
    const before = hooks();
    let during: unknown[] = [];
    expect(() =>
      withoutTokenStacks(() => {
        during = hooks();
        throw new Error('a construct refused');
      }),
    ).toThrow('a construct refused');
    expect(during).toHaveLength(2);
    expect(during.every((hook, i) => hook !== before[i])).toBe(true);
    expect(hooks()).toEqual(before);
  });

  it('writes nothing at all when any environment is invalid, and says why', () => {
    const outdir = join(tempDir(), 'out');
    const lines: string[] = [];
    const code = synthesize([source('staging'), source('production', (s) => (s.services[0].replicas = 0))], {
      outdir,
      log: (line) => lines.push(line),
    });
    expect(code).toBe(1);
    expect(existsSync(outdir)).toBe(false);
    expect(lines.join('\n')).toMatch(/^error: environment "production": services\[0\]\.replicas: /);
  });
});

describe('local state (LOCAL_STATE=1)', () => {
  it('puts the stack on a local state file in the project root, by a relative path', () => {
    const [name] = ENV_NAMES as [string];
    const json = JSON.parse(
      Testing.synth(new EnvironmentStack(Testing.app(), environment(name), { localState: true })),
    );
    expect(json.terraform.backend).toEqual({ local: { path: `../../../terraform.${name}.tfstate` } });
  });

  it('is refused when CI is set, naming each environment, and writes nothing', () => {
    const outdir = join(tempDir(), 'out');
    const lines: string[] = [];
    const code = synthesize(undefined, { outdir, vars: { LOCAL_STATE: '1', CI: 'true' }, log: (l) => lines.push(l) });
    expect(code).toBe(1);
    expect(existsSync(outdir)).toBe(false);
    const errors = lines.join('\n').split('\n');
    expect(errors).toHaveLength(ENV_NAMES.length);
    ENV_NAMES.forEach((name, i) =>
      expect(errors[i]).toBe(
        `error: environment "${name}": stateBackend: local state (LOCAL_STATE) is refused when CI is set: the runner's disk, and the state on it, is thrown away after the run; use the S3 backend`,
      ),
    );
  });

  it('is off unless asked for', () => {
    expect(localStateRequested([], {})).toBe(false);
    expect(localStateRequested([], { LOCAL_STATE: '0', CI: 'true' })).toBe(false);
  });
});

describe('the synthesized stacks', () => {
  it('leaves the Terraform version to Terraform: every stack requires the minimum the backend needs', () => {
    for (const name of ENV_NAMES) {
      const json = JSON.parse(readFileSync(join(SHARED, 'stacks', name, 'cdk.tf.json'), 'utf8'));
      expect(json.terraform.required_version).toBe('>= 1.10');
    }
    expect(TERRAFORM_REQUIRED_VERSION).toBe('>= 1.10');
  });
});
