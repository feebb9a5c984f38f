/**
 * npm run bench: wall time and peak RSS of synthesizing both stacks with the
 * project's app command (cdktf.json "app") against `ts-node main.ts` on the
 * same code, then synth time as the number of services grows. A benchmark,
 * not a test: it prints numbers and checks them against the targets.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SUMMARY_CHARS, runPlanSummary } from '../bin/plan-summary-command';
import { ROOT as root } from '../environments/root';
import { ownTmpdir } from './own-tmpdir';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET_MS = 1000;
const TARGET_MB = 250;

function runOnce(args: readonly string[]): { ms: number; mb: number } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const rssFile = join(dir, 'rss');
  writeFileSync(rssFile, '');
  const env = {
    ...process.env,
    CDKTF_OUTDIR: join(dir, 'out'),
    BENCH_RSS_FILE: rssFile,
    NODE_OPTIONS: `--require ${join(root, 'tooling/peak-rss.cjs')}`,
  };
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0) throw new Error(`${args.join(' ')} failed:\n${res.stderr}`);
  const kib = Math.max(...readFileSync(rssFile, 'utf8').trim().split('\n').map(Number));
  rmSync(dir, { recursive: true, force: true });
  return { ms, mb: kib / 1024 };
}

interface Measured {
  readonly label: string;
  readonly median: number;
  readonly max: number;
  readonly peak: number;
}

/** The middle sample (the upper middle of an even count). */
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function measure(label: string, args: readonly string[], runs = RUNS): Measured {
  runOnce(args); // warm the file cache
  const samples = Array.from({ length: runs }, () => runOnce(args));
  const times = samples.map((s) => s.ms);
  const result = {
    label,
    median: median(times),
    max: Math.max(...times),
    peak: Math.max(...samples.map((s) => s.mb)),
  };
  console.log(
    `${label.padEnd(36)} median ${result.median.toFixed(0).padStart(6)} ms   max ${result.max
      .toFixed(0)
      .padStart(6)} ms   peak RSS ${result.peak.toFixed(0).padStart(4)} MB`,
  );
  return result;
}

/** Synth of both stacks by the app command, against ts-node: the target is met by the app. */
function synthTargets(): { app: Measured; ok: boolean } {
  const app = measure('app (node bin/synth.mjs)', ['bin/synth.mjs']);
  const tsNode = measure(
    'ts-node main.ts',
    [join(root, 'node_modules/ts-node/dist/bin.js'), 'main.ts'],
    Math.min(RUNS, 3),
  );
  console.log(
    `\nratio ts-node / app: ${(tsNode.median / app.median).toFixed(1)}x time, ${(tsNode.peak / app.peak).toFixed(1)}x memory`,
  );
  const ok = app.median <= TARGET_MS && app.peak <= TARGET_MB;
  return { app, ok };
}

const JEST_TARGET_RATIO = 12;

/**
 * The unit suite against one synth of both stacks. Each jest run is paired
 * with a synth median taken just before it, and the ratio is the median of
 * the pairs: this machine's speed drifts by a third over minutes, and a
 * synth measured minutes before the suite moved the ratio more than a change did.
 */
function jestTarget(): boolean {
  const jestOnce = (): number => {
    const start = process.hrtime.bigint();
    const res = spawnSync(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), '--ci', '--silent'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (res.status !== 0) throw new Error(`jest failed:\n${res.stdout}${res.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  jestOnce(); // warm jest's transform cache, as a developer's second run is
  const pairs = Array.from({ length: 3 }, () => {
    const synthMs = median(Array.from({ length: 3 }, () => runOnce(['bin/synth.mjs']).ms));
    const jestMs = jestOnce();
    return { synthMs, jestMs, ratio: jestMs / synthMs };
  });
  const ratio = median(pairs.map((p) => p.ratio));
  console.log(
    `\nnpx jest                             median ${median(pairs.map((p) => p.jestMs))
      .toFixed(0)
      .padStart(6)} ms   = ${ratio.toFixed(1)}x one synth of both stacks (target <= ${JEST_TARGET_RATIO}x)`,
  );
  console.log(
    `  pairs (synth median, jest): ${pairs.map((p) => `${p.synthMs.toFixed(0)} ms, ${p.jestMs.toFixed(0)} ms`).join('; ')}`,
  );
  return ratio <= JEST_TARGET_RATIO;
}

/** plan:summary on a generated plan of 20,000 changes: it must fit a GitHub comment, fast. */
function summaryTarget(): boolean {
  const bigPlan = JSON.stringify({
    format_version: '1.2',
    resource_changes: Array.from({ length: 20000 }, (_, i) => ({
      address: `kubernetes_config_map_v1.generated_${i}`,
      type: 'kubernetes_config_map_v1',
      change: { actions: [i % 3 === 0 ? 'delete' : 'update'], before: {}, after: {} },
    })),
  });
  let summaryText = '';
  const summaryStart = process.hrtime.bigint();
  runPlanSummary(['/generated/production.json'], { read: () => bigPlan, out: (t: string) => (summaryText += t) });
  const summaryMs = Number(process.hrtime.bigint() - summaryStart) / 1e6;
  console.log(
    `plan:summary of 20,000 changes          ${summaryMs.toFixed(0).padStart(6)} ms   ${summaryText.length} characters (limits: 3000 ms, ${MAX_SUMMARY_CHARS})`,
  );
  return summaryText.length <= MAX_SUMMARY_CHARS && summaryMs < 3000;
}

/** Linear growth: 4x the services in at most 4x the time, within 300 MB. */
function growthTarget(): boolean {
  console.log('\ngrowth: one environment with N services');
  const growth: Record<number, Measured> = Object.fromEntries(
    [1, 10, 50, 200].map((n) => [
      n,
      measure(`${n} service(s)`, ['bin/ts.mjs', 'tooling/bench-services.ts', String(n)], 3),
    ]),
  );
  const growthRatio = growth[200]!.median / growth[50]!.median;
  console.log(
    `200 vs 50 services: ${growthRatio.toFixed(1)}x time (target <= 4x), peak ${growth[200]!.peak.toFixed(0)} MB (target <= 300 MB)`,
  );
  return growthRatio <= 4 && growth[200]!.peak <= 300;
}

export function main(): number {
  // Every temporary file of the runs (ts-node's compile cache among them) in one directory, removed at the end.
  const restore = ownTmpdir('mls-bench-');
  try {
    return benchmark();
  } finally {
    restore();
  }
}

function benchmark(): number {
  console.log(`node ${process.version}, ${RUNS} runs each, both stacks (staging + production)\n`);
  const synth = synthTargets();
  const targets: [string, boolean][] = [
    [`median <= ${TARGET_MS} ms and peak <= ${TARGET_MB} MB for both stacks`, synth.ok],
    [`npx jest <= ${JEST_TARGET_RATIO}x one synth`, jestTarget()],
    ['plan:summary of 20,000 changes fits and takes < 3 s', summaryTarget()],
    ['synth grows linearly with services', growthTarget()],
  ];
  console.log('');
  for (const [what, ok] of targets) console.log(`target: ${what}: ${ok ? 'met' : 'NOT MET'}`);
  return targets.every(([, ok]) => ok) ? 0 : 1;
}
