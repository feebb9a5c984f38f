#!/usr/bin/env node
// cdktf.json's "app". Bundles main.ts with esbuild in memory (a few tens of
// milliseconds) and runs it: there is no build output on disk, so a stale
// build can never be synthesized. Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { Module } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function loadMain() {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['main.ts'],
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  }).catch((e) => {
    for (const err of e.errors ?? []) {
      const at = err.location ? `${err.location.file}:${err.location.line}:${err.location.column}: ` : '';
      process.stderr.write(`error: ${at}${err.text}\n`);
    }
    process.exit(1);
  });
  const filename = join(root, 'main.js');
  const mod = new Module(filename);
  mod.filename = filename;
  mod.paths = Module._nodeModulePaths(root);
  mod._compile(result.outputFiles[0].text, filename);
  return mod.exports;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.setSourceMapsEnabled(true);
  const main = await loadMain();
  process.exitCode = main.synthesize(undefined, { outdir: process.env.CDKTF_OUTDIR });
}
