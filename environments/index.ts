/**
 * The environments this program deploys, one cdktf stack each. To add one,
 * write `<name>.ts` (settings) and `<name>.release.json` (release state)
 * beside this file and list the settings here: the release file is found by
 * the environment's name (release-files.ts).
 */
import { production } from './production';
import { withReleaseFiles } from './release-files';
import { staging } from './staging';
import type { EnvironmentSource } from './validate';

export const ENVIRONMENTS: readonly EnvironmentSource[] = withReleaseFiles([staging, production]);
