#!/usr/bin/env node
// npm run --silent plan:redact -- <plan.json>   (prints the plan JSON with sensitive values replaced)
import { loadTs } from './load-ts.mjs';

const { runPlanRedact } = await loadTs('bin/plan-redact-command.ts');
process.exitCode = runPlanRedact(process.argv.slice(2));
