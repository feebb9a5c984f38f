/**
 * The environments this program deploys, one cdktf stack each. To add one,
 * write `<name>.ts` (settings) and `<name>.release.json` (release state)
 * beside this file and list them here.
 */
import { production } from './production';
import productionRelease from './production.release.json';
import { staging } from './staging';
import stagingRelease from './staging.release.json';
import type { EnvironmentSource } from './validate';

export const ENVIRONMENTS: readonly EnvironmentSource[] = [
  { settings: staging, release: stagingRelease },
  { settings: production, release: productionRelease },
];
