#!/usr/bin/env node
// npm run plan:summary -- <plan.json> [more plan files]
import { loadTs } from './load-ts.mjs';

const { runPlanSummary } = await loadTs('bin/plan-summary-command.ts');
process.exitCode = runPlanSummary(process.argv.slice(2));
