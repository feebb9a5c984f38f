/**
 * Before the environments' files start side by side: the run's temporary
 * directory, a file for every committed environment, and what both files
 * would otherwise build at the same moment (the Go tools, moto's virtualenv);
 * GOGC for the Go programs the files start (tooling/go-gc.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { motoPython } from '../../tooling/cluster/cluster';
import { ensureTool } from '../../tooling/tools';
import { tuneGoGc } from '../../tooling/go-gc';
import { ENV_NAMES } from '../helpers';
import { createTempRoot } from '../temp-root';

export default function clusterSetup(): void {
  createTempRoot();
  // The workers, and every program they start, inherit it.
  tuneGoGc();
  const missing = ENV_NAMES.filter((name) => !existsSync(join(__dirname, `${name}.test.ts`)));
  if (missing.length > 0) {
    throw new Error(
      `no cluster test for ${missing.join(', ')}: add __tests__/cluster/<environment>.test.ts (production.test.ts shows the least one holds)`,
    );
  }
  const log = (line: string) => process.stdout.write(`[cluster] ${line}\n`);
  for (const tool of ['etcd', 'kubernetes', 'kwok'] as const) ensureTool(tool, log);
  motoPython(log);
}
