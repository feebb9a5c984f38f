/** Running terraform from a command: the result, never a throw for a failing run. */
import { SpawnSyncOptions, spawnSync } from 'node:child_process';

export interface TerraformResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs terraform in `cwd`; never throws for a failing command. */
export function terraform(args: readonly string[], options: SpawnSyncOptions & { cwd: string }): TerraformResult {
  const res = spawnSync('terraform', args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...options });
  if (res.error) return { status: 127, stdout: '', stderr: res.error.message };
  return { status: res.status ?? 1, stdout: String(res.stdout), stderr: String(res.stderr) };
}

export const hasTerraform = (): boolean => spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
