import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../main';
import { localStateRequested } from '../stacks/local-state';
import { TERRAFORM_REQUIRED_VERSION } from '../core/terraform-version';
import { Testing } from 'cdktf';
import { EnvironmentStack } from '../stacks/environment-stack';
import { ENV_NAMES, environment, source } from './helpers';

const ROOT = join(__dirname, '..');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'synth-'));
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[path.slice(dir.length)] = readFileSync(path, 'utf8');
    }
  }
  return out;
}

// The run's shared synth (global-setup.ts) is the in-process `synthesize`;
// the app command below is a second, separate run to compare it with.
const SHARED = process.env.JEST_SYNTH_DIR!;

describe('synthesize', () => {
  it('writes one stack per environment', () => {
    expect(readdirSync(join(SHARED, 'stacks')).sort()).toEqual([...ENV_NAMES].sort());
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

describe('the cdktf app command (bin/synth.mjs)', () => {
  it('synthesizes every stack from the TypeScript sources, byte for byte as the in-process synth did, with no Terraform', () => {
    // On a PATH that holds only node: cdktf's DataResource, moved and import
    // blocks run `terraform version` at every synth, and fail it with a stack
    // trace where Terraform is missing; synth needs no Terraform.
    const dir = tempDir();
    symlinkSync(process.execPath, join(dir, 'node'));
    const res = spawnSync(join(dir, 'node'), ['bin/synth.mjs'], {
      cwd: ROOT,
      env: { ...process.env, PATH: dir, CDKTF_OUTDIR: join(dir, 'out') },
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const [app, shared] = [readTree(join(dir, 'out')), readTree(SHARED)];
    expect(Object.keys(app)).toEqual(expect.arrayContaining(ENV_NAMES.map((n) => `/stacks/${n}/cdk.tf.json`)));
    expect(app).toEqual(shared);
    rmSync(dir, { recursive: true });
  });

  it('leaves the Terraform version to Terraform: every stack requires the minimum the backend needs', () => {
    for (const name of ENV_NAMES) {
      const json = JSON.parse(readFileSync(join(SHARED, 'stacks', name, 'cdk.tf.json'), 'utf8'));
      expect(json.terraform.required_version).toBe('>= 1.10');
    }
    expect(TERRAFORM_REQUIRED_VERSION).toBe('>= 1.10');
  });
});
