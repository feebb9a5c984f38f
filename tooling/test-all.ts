/**
 * `npm run test:all` (and so CI's `.ci/run`): every phase in order, each
 * timed, stopping at the first that fails; the table of times is printed at
 * the end either way, so a run says where its minutes went. The README's
 * times are read from this table.
 */
import { spawnSync } from 'node:child_process';
import { ROOT } from '../environments/root';

/** The phases, in the order a failure is cheapest to find. */
export const PHASES: readonly { readonly name: string; readonly command: string }[] = [
  { name: 'prerequisites', command: 'node bin/ts.mjs tooling/prerequisites.ts' },
  { name: 'type check and lint', command: 'npm run typecheck && npm run lint' },
  { name: 'unit tests', command: 'npx jest' },
  { name: 'end-to-end tests', command: 'npx jest -c jest.e2e.config.js' },
  { name: 'mutation (incremental)', command: 'npm run test:mutation' },
  { name: 'policy gate (validate)', command: 'npm run validate' },
  { name: 'release analysis on Prometheus', command: 'npm run test:prometheus' },
  { name: 'cluster test', command: 'npm run test:cluster' },
];

export interface PhaseTime {
  readonly name: string;
  readonly seconds: number;
  readonly status: 'passed' | 'failed' | 'not run';
}

/** The table: one row per phase, and the total. */
export function timeTable(times: readonly PhaseTime[]): string {
  const total = times.reduce((s, t) => s + t.seconds, 0);
  const fmt = (s: number) => `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  const width = Math.max(...times.map((t) => t.name.length), 'total'.length);
  return [
    'test:all, time per phase:',
    ...times.map(
      (t) => `  ${t.name.padEnd(width)}  ${t.status === 'not run' ? '      -     ' : fmt(t.seconds)}  ${t.status}`,
    ),
    `  ${'total'.padEnd(width)}  ${fmt(total)}`,
  ].join('\n');
}

export function main(): number {
  const times: PhaseTime[] = [];
  let failed = false;
  for (const phase of PHASES) {
    if (failed) {
      times.push({ name: phase.name, seconds: 0, status: 'not run' });
      continue;
    }
    console.log(`\n=== ${phase.name}: ${phase.command}`);
    const started = Date.now();
    const res = spawnSync('sh', ['-c', phase.command], { cwd: ROOT, stdio: 'inherit' });
    failed = res.status !== 0;
    times.push({ name: phase.name, seconds: (Date.now() - started) / 1000, status: failed ? 'failed' : 'passed' });
  }
  console.log(`\n${timeTable(times)}`);
  return failed ? 1 : 0;
}
