import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  if (process.env.JEST_SYNTH_DIR) rmSync(process.env.JEST_SYNTH_DIR, { recursive: true, force: true });
}
