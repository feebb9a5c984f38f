#!/usr/bin/env node
// Runs a command written in TypeScript: `node bin/ts.mjs bin/<command>.ts [args]`
// bundles the file in memory (load-ts.mjs) and calls its `main(args)`; the
// number it returns (or resolves to) is the exit code.
import { loadTs } from './load-ts.mjs';

// Output that cannot be written ends the command with one line, never a
// stack trace: a reader that went away (`| head`) is normal and exits 0; a
// full disk or a closed file is an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    try {
      process.stderr.write(
        `error: cannot write the output (${e.code ?? e.message}${e.code === 'ENOSPC' ? ': no space left on device' : ''})\n`,
      );
    } finally {
      process.exit(1);
    }
  });
}

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node bin/ts.mjs <file.ts> [args]\n');
  process.exit(2);
}
const { main } = await loadTs(entry);
if (typeof main !== 'function') {
  process.stderr.write(`error: ${entry} exports no main(args) function\n`);
  process.exit(2);
}
process.exitCode = await main(args);
