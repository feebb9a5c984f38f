// Loads a TypeScript entry point: esbuild bundles it in memory (a few tens
// of milliseconds) and Node runs the result. Nothing is written to disk, so
// a stale build can never run. Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { enableCompileCache } from './compile-cache.mjs';
import { Module } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

function fail(messages) {
  for (const m of messages) {
    const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
    process.stderr.write(`error: ${at}${m.text}\n`);
  }
  process.exit(1);
}

/** Bundles `entry` (relative to the project root) and returns its exports. */
export async function loadTs(entry) {
  enableCompileCache(root);
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Source maps only on request (node --enable-source-maps): with them on,
    // Node maps every stack trace cdktf captures, which doubles synth time.
    sourcemap: process.sourceMapsEnabled ? 'inline' : false,
    write: false,
    logLevel: 'silent',
  }).catch((e) => fail(e.errors ?? []));
  // A warning in our own files is a mistake the type check would also find,
  // only later: a key given twice in an environment file keeps the last.
  const ours = result.warnings.filter((w) => !w.location?.file.includes('node_modules'));
  if (ours.length > 0) fail(ours);
  const filename = resolve(root, entry).replace(/\.ts$/, '.js');
  const mod = new Module(filename);
  mod.filename = filename;
  mod.paths = Module._nodeModulePaths(root);
  mod._compile(result.outputFiles[0].text, filename);
  return mod.exports;
}
