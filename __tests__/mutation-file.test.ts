/**
 * The committed incremental mutation file names no directory of the machine
 * that wrote it (tooling/mutation.ts withoutWhere), so a run in a clone leaves
 * `git status` clean when nothing changed.
 */
import { readFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  INCREMENTAL_FILE,
  breakThreshold,
  changedSince,
  mutatedFiles,
  mutationScore,
  mutationStep,
  withoutWhere,
} from '../tooling/mutation';
import { ROOT } from '../environments/root';

describe('the incremental mutation file', () => {
  it('loses the project root and StrykerJS sandbox paths, and nothing else', () => {
    const made = JSON.stringify(
      {
        projectRoot: '/home/ci/work/main',
        files: {
          'core/a.ts': {
            mutants: [
              {
                id: '1',
                status: 'Killed',
                statusReason:
                  'at Object.<anonymous> (/home/ci/work/main/.stryker-tmp/sandbox-Ab12Cd/__tests__/a.test.ts:3:4)\n    at run (/home/ci/work/main/node_modules/jest-circus/build/run.js:71:3)',
              },
            ],
          },
        },
      },
      null,
      2,
    );
    const clean = withoutWhere(made, '/home/ci/work/main');
    expect(JSON.parse(clean)).toEqual({
      projectRoot: '.',
      files: {
        'core/a.ts': {
          mutants: [
            {
              id: '1',
              status: 'Killed',
              statusReason:
                'at Object.<anonymous> (__tests__/a.test.ts:3:4)\n    at run (node_modules/jest-circus/build/run.js:71:3)',
            },
          ],
        },
      },
    });
    // Twice is once: a run with nothing new writes the same bytes.
    expect(withoutWhere(clean, '/home/ci/work/main')).toBe(clean);
    // Another machine's clone: the same result from its own root.
    expect(withoutWhere(made.replaceAll('/home/ci/work/main', '/tmp/x'), '/tmp/x')).toBe(clean);
  });

  it('as committed, names neither a project root nor a sandbox', () => {
    const text = readFileSync(INCREMENTAL_FILE, 'utf8');
    expect(JSON.parse(text).projectRoot).toBe('.');
    expect(text.match(/\.stryker-tmp\/sandbox-/g) ?? []).toEqual([]);
    expect(text.includes(`${ROOT}/`)).toBe(false);
  });

  it('is the result of the code and tests as committed: a change commits the refreshed file with it', () => {
    const result = JSON.parse(readFileSync(INCREMENTAL_FILE, 'utf8'));
    const mutated = mutatedFiles(readFileSync(join(ROOT, 'stryker.config.mjs'), 'utf8'));
    const read = (path: string) => (existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : undefined);
    const changed = changedSince(result, mutated, read);
    // Each file listed here makes CI's mutation phase test its mutants again.
    expect({ changed, fix: 'npm run test:mutation, then commit mutation/stryker-incremental.json' }).toEqual({
      changed: [],
      fix: expect.any(String),
    });
  });
});

describe('what makes the next mutation run test again', () => {
  const result = {
    files: { 'core/a.ts': { source: 'a1' }, 'core/b.ts': { source: 'b1' } },
    testFiles: { '__tests__/a.test.ts': { source: 't1' } },
  };
  const disk: Record<string, string> = { 'core/a.ts': 'a1', 'core/b.ts': 'b1', '__tests__/a.test.ts': 't1' };

  it('is nothing when every mutated module and test reads as the run saw it', () => {
    expect(changedSince(result, ['core/a.ts', 'core/b.ts'], (p) => disk[p])).toEqual([]);
  });

  it('is a changed module, a changed or deleted test, a module the run never saw', () => {
    const now: Record<string, string> = { 'core/a.ts': 'a1', 'core/b.ts': 'b2', 'core/c.ts': 'c1' };
    expect(changedSince(result, ['core/a.ts', 'core/b.ts', 'core/c.ts'], (p) => now[p])).toEqual([
      'core/b.ts',
      'core/c.ts',
      '__tests__/a.test.ts',
    ]);
    expect(changedSince(result, ['core/a.ts'], (p) => ({ ...disk, '__tests__/a.test.ts': 't2' })[p])).toEqual([
      '__tests__/a.test.ts',
    ]);
  });

  it('reads the mutate list of stryker.config.mjs', () => {
    expect(
      mutatedFiles("  mutate: [\n    // a comment\n    'core/a.ts',\n    'bin/b.ts',\n  ],\n  other: ['x'],"),
    ).toEqual(['core/a.ts', 'bin/b.ts']);
    expect(() => mutatedFiles('export default {}')).toThrow('no mutate list');
  });
});

describe('npm run test:mutation', () => {
  const config = "  mutate: [\n    'core/a.ts',\n  ],\n  thresholds: { high: 90, low: 85, break: 85 },";
  const mutants = (statuses: Record<string, number>) =>
    Object.entries(statuses).flatMap(([status, n]) => Array.from({ length: n }, () => ({ status })));
  const result = (statuses: Record<string, number>) => ({
    files: { 'core/a.ts': { source: 'a1', mutants: mutants(statuses) } },
    testFiles: { '__tests__/a.test.ts': { source: 't1' } },
  });
  const disk: Record<string, string> = { 'core/a.ts': 'a1', '__tests__/a.test.ts': 't1' };

  it('reads the score from the committed result when nothing it recorded changed', () => {
    const counts = {
      Killed: 80,
      Timeout: 5,
      Survived: 10,
      NoCoverage: 5,
      Ignored: 50,
      CompileError: 9,
      RuntimeError: 3,
    };
    expect(mutationStep([], result(counts), config, (p) => disk[p])).toEqual({ run: false, score: 85, floor: 85 });
  });

  it('runs StrykerJS when a mutated module or a recorded test changed, or when asked to (-- --force)', () => {
    const r = result({ Killed: 1 });
    expect(mutationStep([], r, config, (p) => ({ ...disk, 'core/a.ts': 'a2' })[p])).toEqual({
      run: true,
      changed: ['core/a.ts'],
    });
    expect(mutationStep([], r, config, (p) => ({ ...disk, '__tests__/a.test.ts': 't2' })[p])).toEqual({
      run: true,
      changed: ['__tests__/a.test.ts'],
    });
    expect(mutationStep(['--force'], r, config, (p) => disk[p])).toEqual({ run: true, changed: [] });
    expect(mutationStep([], undefined, config, (p) => disk[p])).toEqual({ run: true, changed: [] });
  });

  it('scores as StrykerJS does: the committed result is the 85.50 % its last run printed', () => {
    expect(mutationScore(result({ Killed: 17, Survived: 2, NoCoverage: 1, Ignored: 9 }))).toBe(85);
    expect(mutationScore(JSON.parse(readFileSync(INCREMENTAL_FILE, 'utf8'))).toFixed(2)).toBe('85.50');
    expect(breakThreshold(readFileSync(join(ROOT, 'stryker.config.mjs'), 'utf8'))).toBe(85);
  });
});
