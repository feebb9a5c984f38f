#!/usr/bin/env node
// cdktf.json's "app": runs main.ts from source on every synth (see load-ts.mjs).
import { loadTs } from './load-ts.mjs';

const main = await loadTs('main.ts');
process.exitCode = main.synthesize(undefined, { outdir: process.env.CDKTF_OUTDIR });
