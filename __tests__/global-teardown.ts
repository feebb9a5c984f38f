import { removeTempRoot } from './temp-root';

/** The run's temporary directory holds the synth output too (global-setup.ts). */
export default function globalTeardown(): void {
  removeTempRoot();
}
