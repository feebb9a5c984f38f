/**
 * npm run test:mutation [-- <stryker run flags>]
 *
 * Runs StrykerJS (stryker.config.mjs) incrementally: only mutants in code
 * or tests changed since mutation/stryker-incremental.json are run again,
 * and that file is rewritten. StrykerJS 10 needs Node 22 or later; on an
 * older Node this fetches Node 22 from the npm registry (the
 * `node-<platform>-<arch>` package, which holds the official binary) into
 * the machine's tool cache, once per version.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from '../environments/root';
import { cacheRoot } from './tools';

/** The Node the mutation run uses when this one is older than StrykerJS allows. */
export const NODE_VERSION = '22.23.5';
const MIN_MAJOR = 22;

/** A Node binary StrykerJS accepts: this one, or the cached Node 22 (fetched first when missing). */
export function strykerNode(log: (line: string) => void = console.log): string {
  if (Number(process.versions.node.split('.')[0]) >= MIN_MAJOR) return process.execPath;
  const dir = join(cacheRoot(), `node-${NODE_VERSION}`);
  const node = join(dir, 'bin', 'node');
  if (existsSync(node)) return node;
  const pkg = `node-${process.platform}-${process.arch}@${NODE_VERSION}`;
  log(`fetching ${pkg} from the npm registry for StrykerJS (Node ${MIN_MAJOR}+; about 30 MB, once per machine)`);
  const tmp = mkdtempSync(join(tmpdir(), 'node-'));
  try {
    const tgz = execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', tmp], { encoding: 'utf8' }).trim();
    execFileSync('tar', ['xzf', join(tmp, tgz), '-C', tmp]);
    mkdirSync(cacheRoot(), { recursive: true });
    // Two runs at once: each unpacks in its own directory and the first rename wins.
    if (!existsSync(dir)) renameSync(join(tmp, 'package'), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return node;
}

/** The incremental file, committed so a clone's first run re-runs only what changed. */
export const INCREMENTAL_FILE = join(ROOT, 'mutation', 'stryker-incremental.json');

/**
 * The incremental file without where it was made: StrykerJS writes the
 * absolute project root and, in each killed mutant's reason, stack traces
 * through its random sandbox directory, so every run in another directory
 * rewrote thousands of lines. Paths become relative to the project (StrykerJS
 * reads neither back: it matches mutants by file, place and replacement).
 * Returns the text unchanged when it holds no such path.
 */
export function withoutWhere(text: string, root: string): string {
  const json = JSON.stringify(root).slice(1, -1);
  const escaped = json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const relative = text
    .replace(new RegExp(`${escaped}/\\.stryker-tmp/sandbox-[A-Za-z0-9]+/`, 'g'), '')
    .replace(new RegExp(`${escaped}/`, 'g'), '')
    .replace(`"projectRoot": "${json}"`, '"projectRoot": "."');
  JSON.parse(relative); // never write a file that does not parse
  return relative;
}

/** The parts of the incremental file this checks: each file's text as the run saw it. */
export interface MutationResult {
  readonly files: Readonly<Record<string, { readonly source: string }>>;
  readonly testFiles?: Readonly<Record<string, { readonly source: string }>>;
}

/** The files stryker.config.mjs mutates, as listed in its `mutate` array. */
export function mutatedFiles(configText: string): string[] {
  const list = /\bmutate: \[([^\]]*)\]/.exec(configText);
  if (!list) throw new Error('stryker.config.mjs: no mutate list');
  return [...list[1]!.matchAll(/^\s*'([^']+)',/gm)].map((m) => m[1]!);
}

/**
 * The files whose text differs from the copy in the committed result: the
 * mutated modules, and the tests the run recorded (those that cover a
 * mutant). Each one makes the next run test mutants again (all of a
 * module's, or those a test covers), which a clone pays for in CI, so a
 * change commits the refreshed result with it. A new test file is not
 * seen here: it re-tests only the survivors it covers.
 */
export function changedSince(
  result: MutationResult,
  mutated: readonly string[],
  read: (path: string) => string | undefined,
): string[] {
  const differs = (copy: { readonly source: string } | undefined, path: string) =>
    copy === undefined || copy.source !== read(path);
  return [
    ...mutated.filter((path) => differs(result.files[path], path)),
    ...Object.entries(result.testFiles ?? {})
      .filter(([path, copy]) => differs(copy, path))
      .map(([path]) => path),
  ];
}

/** The run's mutants by status, as the result records them. */
export interface MutantCounts {
  readonly files: Readonly<Record<string, { readonly mutants: readonly { readonly status: string }[] }>>;
}

/**
 * StrykerJS's mutation score of a result: killed and timed out over those
 * plus the survivors and the uncovered (ignored mutants and those that did
 * not compile or run left out), in percent.
 */
export function mutationScore(result: MutantCounts): number {
  const count: Record<string, number> = {};
  for (const file of Object.values(result.files))
    for (const m of file.mutants) count[m.status] = (count[m.status] ?? 0) + 1;
  const detected = (count.Killed ?? 0) + (count.Timeout ?? 0);
  const missed = (count.Survived ?? 0) + (count.NoCoverage ?? 0);
  return detected + missed === 0 ? 0 : (100 * detected) / (detected + missed);
}

/** The score below which a run fails (stryker.config.mjs's `thresholds.break`). */
export function breakThreshold(configText: string): number {
  const found = /\bbreak: (\d+(?:\.\d+)?)/.exec(configText);
  if (!found) throw new Error('stryker.config.mjs: no thresholds.break');
  return Number(found[1]);
}

/** What `npm run test:mutation` does: read the score from the committed result, or run StrykerJS. */
export type MutationStep =
  | { readonly run: false; readonly score: number; readonly floor: number }
  | { readonly run: true; readonly changed: readonly string[] };

/**
 * When no mutated module and no test the committed result recorded has
 * changed (changedSince), StrykerJS would re-use every result it holds,
 * after a dry run of the whole suite (about a minute of both cores): the
 * score is then read from the result itself (a new test file can only kill
 * more). Anything changed, or any argument (`-- --force` tests every mutant
 * again), runs StrykerJS.
 */
export function mutationStep(
  args: readonly string[],
  result: (MutationResult & MutantCounts) | undefined,
  configText: string,
  read: (path: string) => string | undefined,
): MutationStep {
  if (args.length > 0 || !result) return { run: true, changed: [] };
  const changed = changedSince(result, mutatedFiles(configText), read);
  if (changed.length > 0) return { run: true, changed };
  return { run: false, score: mutationScore(result), floor: breakThreshold(configText) };
}

export function main(args: readonly string[]): number {
  const config = readFileSync(join(ROOT, 'stryker.config.mjs'), 'utf8');
  const result = existsSync(INCREMENTAL_FILE) ? JSON.parse(readFileSync(INCREMENTAL_FILE, 'utf8')) : undefined;
  const read = (path: string) => (existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : undefined);
  const step = mutationStep(args, result, config, read);
  if (!step.run) {
    console.log(
      `mutation: no mutated module and no recorded test changed since ${relative(ROOT, INCREMENTAL_FILE)}: ` +
        `its results stand, score ${step.score.toFixed(2)} % (fails below ${step.floor} %). ` +
        '`npm run test:mutation -- --force` tests every mutant again.',
    );
    return step.score >= step.floor ? 0 : 1;
  }
  if (step.changed.length > 0)
    console.log(
      `mutation: changed since the committed result: ${step.changed.join(', ')}; StrykerJS tests their mutants`,
    );
  return runStryker(args);
}

function runStryker(args: readonly string[]): number {
  const node = strykerNode();
  const stryker = join(ROOT, 'node_modules/@stryker-mutator/core/bin/stryker.js');
  // Every temporary file of the run (each mutant's synth writes one) in one directory, removed at the end.
  const temp = mkdtempSync(join(tmpdir(), 'mls-mutation-'));
  let res;
  try {
    res = spawnSync(node, [stryker, 'run', 'stryker.config.mjs', ...args], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, TMPDIR: temp, TMP: temp, TEMP: temp },
    });
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  if (existsSync(INCREMENTAL_FILE)) {
    const text = readFileSync(INCREMENTAL_FILE, 'utf8');
    const clean = withoutWhere(text, ROOT);
    if (clean !== text) {
      // Beside it, then renamed: a reader never sees half a file.
      const tmp = `${INCREMENTAL_FILE}.${process.pid}.tmp`;
      writeFileSync(tmp, clean);
      renameSync(tmp, INCREMENTAL_FILE);
    }
  }
  return res.status ?? 1;
}
