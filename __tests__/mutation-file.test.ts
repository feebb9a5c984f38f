/**
 * The committed incremental mutation file names no directory of the machine
 * that wrote it (tooling/mutation.ts withoutWhere), so a run in a clone leaves
 * `git status` clean when nothing changed.
 */
import { readFileSync } from 'node:fs';
import { INCREMENTAL_FILE, withoutWhere } from '../tooling/mutation';
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
});
