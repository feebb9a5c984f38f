/**
 * Commands that only read files must not load cdktf or the provider
 * bindings (they are most of synth's start-up time): `release status` and
 * `plan:summary` are run as users run them, with a hook that records every
 * module they load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './project-copy';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'module-graph-'));
  writeFileSync(
    join(dir, 'hook.cjs'),
    `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const load = Module._load;
Module._load = function (request, ...rest) {
  appendFileSync(process.env.LOADED_LOG, request + '\\n');
  return load.call(this, request, ...rest);
};
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The modules a command loads, by the names it asked for. */
function loadedBy(args: string[]): { status: number | null; loaded: string[]; output: string } {
  const log = join(dir, `loaded-${args[1]!.replace(/\W/g, '')}.log`);
  writeFileSync(log, '');
  const res = spawnSync(process.execPath, ['--require', join(dir, 'hook.cjs'), 'bin/ts.mjs', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LOADED_LOG: log, CDKTF_OUTDIR: join(dir, 'out') },
  });
  return {
    status: res.status,
    loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean),
    output: res.stdout + res.stderr,
  };
}

const CDKTF = /^(cdktf|@cdktf\/|constructs$)/;

describe('commands that only read files load no cdktf', () => {
  it('release status', () => {
    const { status, loaded, output } = loadedBy(['bin/release-command.ts', 'production', 'status']);
    expect(output).toMatch(/production\/mls-server: phase/);
    expect(status).toBe(0);
    expect(loaded).toContain('zod');
    expect(loaded.filter((m) => CDKTF.test(m))).toEqual([]);
  });

  it('plan:summary', () => {
    const { status, loaded, output } = loadedBy([
      'bin/plan-summary-command.ts',
      '__tests__/fixtures/plans/colour-switch.json',
    ]);
    expect(output).toMatch(/traffic blue → green/);
    expect(status).toBe(0);
    expect(loaded.filter((m) => CDKTF.test(m))).toEqual([]);
  });

  it('the hook sees cdktf when a command does load it (release stage builds the stacks)', () => {
    const { loaded } = loadedBy(['bin/release-command.ts', 'no-such-env', 'status']);
    // An unknown environment exits before any stack is built: still no cdktf.
    expect(loaded.filter((m) => CDKTF.test(m))).toEqual([]);
    const synth = loadedBy(['tooling/bench-services.ts', '1']);
    expect(synth.loaded).toContain('cdktf');
  });
});
