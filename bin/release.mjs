#!/usr/bin/env node
// npm run release -- <env> <verb> [image] [--service <name>]
import { loadTs, root } from './load-ts.mjs';

const { runRelease } = await loadTs('bin/release-command.ts');
process.exitCode = runRelease(process.argv.slice(2), { root });
