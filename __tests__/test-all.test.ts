/**
 * `npm run test:all` (tooling/test-all.ts): every phase CI promises, in order,
 * and a table of where the minutes went, also when a phase fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PHASES, timeTable } from '../tooling/test-all';
import { ROOT } from '../environments/root';

describe('test:all', () => {
  it('runs what `npm test` runs, then the mutation run, the gate, Prometheus and the cluster test', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts['test:all']).toBe('node bin/ts.mjs tooling/test-all.ts');
    expect(scripts.test).toBe('npm run typecheck && npm run lint && jest && jest -c jest.e2e.config.js');
    expect(PHASES.map((p) => p.command)).toEqual([
      'node bin/ts.mjs tooling/prerequisites.ts',
      'npm run typecheck && npm run lint',
      'npx jest',
      'npx jest -c jest.e2e.config.js',
      'npm run test:mutation',
      'npm run validate',
      'npm run test:prometheus',
      'npm run test:cluster',
    ]);
  });

  it('prints each phase’s time and status, and the total', () => {
    expect(
      timeTable([
        { name: 'unit tests', seconds: 75.4, status: 'passed' },
        { name: 'cluster test', seconds: 1126, status: 'failed' },
        { name: 'x', seconds: 0, status: 'not run' },
      ]),
    ).toBe(
      [
        'test:all, time per phase:',
        '  unit tests    1 min 15 s  passed',
        '  cluster test  18 min 46 s  failed',
        '  x                   -       not run',
        '  total         20 min 01 s',
      ].join('\n'),
    );
  });

  it('names each prerequisite it cannot find and runs nothing (a PATH with only node on it)', () => {
    const bin = mkdtempSync(join(tmpdir(), 'path-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const res = spawnSync(process.execPath, ['bin/ts.mjs', 'tooling/prerequisites.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: bin },
    });
    rmSync(bin, { recursive: true, force: true });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain('missing  Terraform ≥ 1.10 (S3 lock file): terraform is not on PATH');
    expect(res.stdout).toContain('missing  Go ≥ 1.26');
    expect(res.stdout).toContain('missing  Python 3 with venv (moto for the cluster test)');
    expect(res.stderr).toMatch(/prerequisite\(s\) missing; nothing was run\./);
  });
});
