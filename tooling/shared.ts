/**
 * node bin/ts.mjs tooling/shared.ts <dir>
 *
 * Builds `../shared`'s offline inputs from the public registries, for a
 * machine that can reach them and has no `../shared` (a GitHub runner):
 *
 * - `<dir>/providers`: a filesystem mirror in the packed layout
 *   (`terraform providers mirror`) of the providers the tests run: the
 *   kubernetes and helm versions the bindings pin, and aws 5.45.0 (the
 *   version the tests rewrite the pin to, because it is what the machines
 *   without a registry have);
 * - `<dir>/charts`: the pinned chart archives (`helm pull`).
 *
 * These are HashiCorp's and the charts' official releases, where the
 * machines without registries have archives built from the same sources. It
 * never writes into an existing directory: a `../shared` that is there stays
 * as it is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHARTS } from '../features/monitoring/charts';
import { ESO_CHART } from '../features/secrets/external-secrets';
import { MIRROR_AWS_VERSION } from './terraform-mirror';
import { ensureTool } from './tools';

/** The providers the tests install: the bindings' pins for kubernetes and helm, the rewritten aws pin. */
export const MIRRORED_PROVIDERS = { kubernetes: '2.38.0', helm: '3.1.1', aws: MIRROR_AWS_VERSION } as const;

function must(cmd: string, args: readonly string[], cwd?: string): void {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stdout ?? ''}${res.stderr ?? res.error?.message ?? ''}`);
  }
}

export function buildShared(dir: string, log: (line: string) => void = console.log): void {
  const providers = join(dir, 'providers');
  const charts = join(dir, 'charts');
  const work = mkdtempSync(join(tmpdir(), 'shared-'));
  try {
    writeFileSync(
      join(work, 'main.tf.json'),
      JSON.stringify({
        terraform: {
          required_providers: Object.fromEntries(
            Object.entries(MIRRORED_PROVIDERS).map(([name, version]) => [
              name,
              { source: `hashicorp/${name}`, version },
            ]),
          ),
        },
      }),
    );
    log(
      `providers: ${Object.entries(MIRRORED_PROVIDERS)
        .map(([n, v]) => `${n} ${v}`)
        .join(', ')} → ${providers}`,
    );
    must('terraform', ['providers', 'mirror', '-platform=linux_amd64', providers], work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  mkdirSync(charts, { recursive: true });
  const helm = ensureTool('helm', log);
  for (const chart of [...Object.values(CHARTS), ESO_CHART]) {
    log(`chart: ${chart.chart} ${chart.version} from ${chart.repository}`);
    must(helm, ['pull', chart.chart, '--repo', chart.repository, '--version', chart.version, '--destination', charts]);
  }
}

export function main(args: readonly string[]): number {
  const [target, ...rest] = args;
  if (!target || rest.length > 0) {
    console.error('usage: node bin/ts.mjs tooling/shared.ts <dir>   (for example ../shared; it must not exist)');
    return 2;
  }
  const dir = resolve(target);
  if (existsSync(dir)) {
    console.error(`error: ${dir} exists; it is left as it is (delete it first to build it from the registries)`);
    return 1;
  }
  try {
    buildShared(dir);
    return 0;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
}
