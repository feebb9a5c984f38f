/**
 * The shape the code keeps: no function over 60 lines outside data tables
 * (ESLint's max-lines-per-function enforces it: e2e/lint-rules.test.ts runs
 * it on planted code; here, which functions are let off), and the pure core
 * free of cdktf and zod (the command-line tools load only it and the schema).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..');
const MAX_LINES = 60;

/** Functions that are tables of data (rules, panels): long by nature, one entry a few lines. */
const DATA_TABLES: Readonly<Record<string, string>> = {
  'features/monitoring/alert-rules.ts serviceAlertRules': 'a table of alert rules',
  'features/monitoring/service-dashboard.ts serviceDashboard': 'a table of dashboard panels',
};

/** ESLint's line limit turned off for the next line's function: the function's name. */
const EXEMPTION =
  /\/\/ eslint-disable-next-line max-lines-per-function\b.*\n(?:export )?(?:(?:async )?function\*? |const )(\w+)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** What users and workflows run: the program and its commands. */
const PRODUCT_CODE = ['core', 'features', 'constructs', 'stacks', 'environments', 'bin']
  .flatMap((d) => sourceFiles(join(ROOT, d)))
  .concat(join(ROOT, 'main.ts'));
/** Everything but the tests: the product and the verification tooling. */
const PRODUCTION_CODE = [...PRODUCT_CODE, ...sourceFiles(join(ROOT, 'tooling'))];

/** Imports of product files that reach into tooling/, as `file -> import`. */
export function toolingImports(files: Readonly<Record<string, string>>): string[] {
  const tooling = join(ROOT, 'tooling');
  return Object.entries(files).flatMap(([file, text]) =>
    importsOf(file, text)
      .filter((to) => to === tooling || to.startsWith(`${tooling}/`))
      .map((to) => `${relative(ROOT, file)} -> ${relative(ROOT, to)}`),
  );
}

/** The relative imports of a source text, resolved against its file. */
function importsOf(file: string, text: string): string[] {
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!));
}

/** The feature (first folder under `features/`) a path belongs to, if any. */
function featureOf(path: string): string | undefined {
  const parts = relative(join(ROOT, 'features'), path).split('/');
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
}

/** The edges between features, `from -> to`, of files and their texts. */
export function featureEdges(files: Readonly<Record<string, string>>): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [file, text] of Object.entries(files)) {
    const from = featureOf(file);
    if (!from) continue;
    for (const to of importsOf(file, text).map(featureOf)) {
      if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  return edges;
}

/** Every cycle between features, as `a -> b -> a`, each once (from its smallest name). */
export function featureCycles(edges: Map<string, Set<string>>): string[] {
  const cycles = new Set<string>();
  const walk = (path: string[]) => {
    for (const next of edges.get(path[path.length - 1]!) ?? []) {
      if (next === path[0]) cycles.add([...path, next].join(' -> '));
      else if (!path.includes(next) && next > path[0]!) walk([...path, next]);
    }
  };
  for (const start of [...edges.keys()].sort()) walk([start]);
  return [...cycles].sort();
}

describe('code shape', () => {
  it(`lets only the data tables run over ${MAX_LINES} lines, each saying so where it starts`, () => {
    const exempt: string[] = [];
    let mentions = 0;
    for (const file of PRODUCTION_CODE) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(EXEMPTION)) exempt.push(`${relative(ROOT, file)} ${m[1]}`);
      mentions += text.match(/max-lines-per-function/g)?.length ?? 0;
    }
    expect(exempt.sort()).toEqual(Object.keys(DATA_TABLES).sort());
    // And no other mention of the rule: a file-wide or same-line disable would let anything through.
    expect(mentions).toBe(exempt.length);
  });

  it('finds a planted exemption, and only one that names a function', () => {
    const text =
      '// eslint-disable-next-line max-lines-per-function -- a table\nexport function planted() {}\n' +
      '// eslint-disable-next-line max-lines-per-function -- a table\nconst table = () => [];\n' +
      '// eslint-disable-next-line no-console\nfunction other() {}\n';
    expect([...text.matchAll(EXEMPTION)].map((m) => m[1])).toEqual(['planted', 'table']);
  });

  it('keeps the core free of cdktf, the providers, constructs and zod', () => {
    const core = sourceFiles(join(ROOT, 'core'));
    expect(core.length).toBeGreaterThan(5);
    for (const file of core) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(`${relative(ROOT, file)}: ${imports.filter((i) => !i.startsWith('./')).join(', ')}`).toBe(
        `${relative(ROOT, file)}: `,
      );
    }
  });

  it('has no cycle between feature folders: shared pieces live in core/ or constructs/', () => {
    const files = Object.fromEntries(PRODUCTION_CODE.map((f) => [f, readFileSync(f, 'utf8')]));
    const edges = featureEdges(files);
    expect(edges.size).toBeGreaterThan(3);
    expect(featureCycles(edges)).toEqual([]);
  });

  it('finds a planted cycle between features, through a third one too', () => {
    const at = (p: string) => join(ROOT, 'features', p);
    const planted = {
      [at('a/x.ts')]: "import { y } from '../b/y';",
      [at('b/y.ts')]: "import { z } from '../c/z';\nimport { n } from '../../core/names';",
      [at('c/z.ts')]: "import type { x } from '../a/x';",
      [at('d/w.ts')]: "import { x } from '../a/x';",
    };
    expect(featureCycles(featureEdges(planted))).toEqual(['a -> b -> c -> a']);
  });

  it('keeps product code (the program and bin/) free of test and verification tooling', () => {
    expect(PRODUCT_CODE.length).toBeGreaterThan(50);
    expect(toolingImports(Object.fromEntries(PRODUCT_CODE.map((f) => [f, readFileSync(f, 'utf8')])))).toEqual([]);
  });

  it('finds a planted import of tooling from a command', () => {
    const planted = {
      [join(ROOT, 'bin/x.ts')]: "import { a } from '../tooling/cluster/kube';\nimport { b } from './terraform';",
    };
    expect(toolingImports(planted)).toEqual(['bin/x.ts -> tooling/cluster/kube']);
  });

  it('parses command arguments in one place (bin/args.ts), never by hand', () => {
    const parsers = PRODUCTION_CODE.filter((f) =>
      /import \{[^}]*\bparseArgs\b[^}]*\} from 'node:util'/.test(readFileSync(f, 'utf8')),
    );
    expect(parsers.map((f) => relative(ROOT, f))).toEqual(['bin/args.ts']);
    // A hand-written loop over the arguments reads them by index.
    const byIndex = PRODUCT_CODE.filter((f) => /\bargs\[i( \+ 1)?\]/.test(readFileSync(f, 'utf8')));
    expect(byIndex.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
