#!/usr/bin/env node
// Runs a command written in TypeScript: `node bin/ts.mjs bin/<command>.ts [args]`
// bundles the file in memory (load-ts.mjs) and calls its `main(args)`; the
// number it returns (or resolves to) is the exit code.
import { loadTs } from './load-ts.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node bin/ts.mjs <file.ts> [args]\n');
  process.exit(2);
}
const { main } = await loadTs(entry);
process.exitCode = await main(args);
