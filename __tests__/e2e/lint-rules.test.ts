/**
 * Rules of the code's shape that ESLint enforces (npm run lint), run by
 * ESLint itself on planted code: a function over 60 lines in the program or
 * its tooling fails, in a test it does not, and a line-limit exemption left
 * on a function that got short fails too.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../environments/root';

/** Lints each [path, text] with the project's config, in one ESLint process (its config is ESM, which jest's modules cannot import). */
const LINT_ALL = `
const { ESLint } = require('eslint');
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const [filePath, text] of cases) {
    const [result] = await eslint.lintText(text, { filePath });
    out.push(result.messages.map((m) => m.ruleId + ': ' + m.message));
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

/** ESLint's findings on each `[path, text]` (a project path), as `rule: message`. */
function lint(...cases: [string, string][]): string[][] {
  const res = spawnSync(process.execPath, ['-e', LINT_ALL], {
    cwd: ROOT,
    input: JSON.stringify(cases.map(([path, text]) => [join(ROOT, path), text])),
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`eslint failed:\n${res.stderr}`);
  return JSON.parse(res.stdout);
}

/** A function of `lines` lines, signature and closing brace included. */
const longFunction = (lines: number) =>
  `export function planted(): number {\n  let total = 0;\n${'  total += 1;\n'.repeat(lines - 4)}  return total;\n}\n`;

const TOO_LONG = "max-lines-per-function: Function 'planted' has too many lines (61). Maximum allowed is 60.";
const EXEMPT = '// eslint-disable-next-line max-lines-per-function -- a table\n';

describe('ESLint on planted code', () => {
  const paths = ['features/planted.ts', 'tooling/planted.ts', 'bin/planted.ts', 'main.ts'];
  const found = lint(
    ...paths.flatMap((path): [string, string][] => [
      [path, longFunction(61)],
      [path, longFunction(60)],
    ]),
    ['__tests__/planted.test.ts', `describe('x', () => {\n${"  it.todo('y');\n".repeat(70)}});\n`],
    ['features/planted.ts', `${EXEMPT}${longFunction(10)}`],
    ['features/planted.ts', `${EXEMPT}${longFunction(61)}`],
  );

  it('refuses a function of 61 lines in the program and in the tooling, and lets one of 60 through', () => {
    expect(longFunction(61).trim().split('\n')).toHaveLength(61);
    expect(found.slice(0, 2 * paths.length)).toEqual(paths.flatMap(() => [[TOO_LONG], []]));
  });

  it('lets a long describe block in a test through', () => {
    expect(found[2 * paths.length]).toEqual([]);
  });

  it('refuses a line-limit exemption on a function that is not over the limit, and honours one that is', () => {
    expect(found.slice(2 * paths.length + 1)).toEqual([
      ["null: Unused eslint-disable directive (no problems were reported from 'max-lines-per-function')."],
      [],
    ]);
  });
});
