/**
 * Running Terraform here, with no registry: providers come from the
 * filesystem mirror in ../shared/providers (packed layout), and the one the
 * mirror cannot have is said by name.
 *
 * The AWS provider our bindings pin (6.25.0) is not in the mirror; 5.45.0,
 * the nearest that could be built, is. A stack is run against it in a copy
 * whose pin is rewritten (`mirrorPins`), and every caller says so in its
 * output: schema differences that touch our stacks would show as validate
 * errors, but behaviour may still differ, so such a run is evidence, not proof.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../environments/root';

/** The provider mirror beside the project. */
export const PROVIDER_MIRROR = join(ROOT, '..', 'shared', 'providers');
/** The AWS provider version the mirror has, used in place of the pinned one. */
export const MIRROR_AWS_VERSION = '5.45.0';

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON */
type TerraformJson = any;

/** The synthesized JSON with the AWS pin set to the mirror's version (a copy; the input is unchanged). */
export function mirrorPins(json: TerraformJson): TerraformJson {
  const copy = structuredClone(json);
  const aws = copy.terraform?.required_providers?.aws;
  if (aws) aws.version = MIRROR_AWS_VERSION;
  return copy;
}

/**
 * The synthesized JSON as the mirror's providers can run it (a copy): the AWS
 * pin set to 5.45.0, and `aws_secretsmanager_secret_versions` (added to the
 * AWS provider after 5.45.0) read as `aws_secretsmanager_secret`, which has
 * the same ARN; the version ids it would list become none, so the secret
 * checksums are constant in such a run. Every caller says so.
 */
export function forMirror(json: TerraformJson): TerraformJson {
  return withoutSecretVersions(mirrorPins(json));
}

/** `aws_secretsmanager_secret_versions` as `aws_secretsmanager_secret` (see forMirror). */
function withoutSecretVersions(json: TerraformJson): TerraformJson {
  const versions = json.data?.aws_secretsmanager_secret_versions;
  if (!versions) return json;
  const out = JSON.parse(
    JSON.stringify(json)
      .replace(/data\.aws_secretsmanager_secret_versions\.[A-Za-z0-9_-]+\.versions/g, '[]')
      .replace(/data\.aws_secretsmanager_secret_versions\./g, 'data.aws_secretsmanager_secret.'),
  );
  out.data.aws_secretsmanager_secret = Object.fromEntries(
    Object.entries<any>(versions).map(([id, body]) => {
      const { secret_id: secretId, ...rest } = body;
      return [id, { ...rest, [String(secretId).startsWith('arn:') ? 'arn' : 'name']: secretId }];
    }),
  );
  delete out.data.aws_secretsmanager_secret_versions;
  return out;
}

/** Providers `json` requires that the mirror lacks, as `name version` (after `mirrorPins`). */
export function missingProviders(json: TerraformJson, mirror = PROVIDER_MIRROR): string[] {
  const required = Object.entries<{ source?: string; version: string }>(json.terraform?.required_providers ?? {});
  return required.flatMap(([name, p]) => {
    const source = p.source?.includes('/') ? p.source : `hashicorp/${p.source ?? name}`;
    const dir = join(mirror, 'registry.terraform.io', source);
    const file = `terraform-provider-${source.split('/')[1]}_${p.version}_linux_amd64.zip`;
    return existsSync(join(dir, file)) ? [] : [`${source} ${p.version} (not in ${dir})`];
  });
}

/** Whether the mirror is there at all. */
export const mirrorPresent = (mirror = PROVIDER_MIRROR): boolean =>
  existsSync(join(mirror, 'registry.terraform.io')) && readdirSync(join(mirror, 'registry.terraform.io')).length > 0;

/**
 * The environment for terraform commands: a CLI config that installs only
 * from the mirror, the run's own plugin cache `cache` (its inits unpack
 * each provider once), no telemetry, no prompts. The cache is never shared
 * between runs: Terraform rewrites a cache entry that no lock file vouches
 * for, under another run's plan (two runs on one machine failed with "the
 * cached package ... does not match any of the checksums").
 */
export function terraformEnv(workDir: string, cache: string, mirror = PROVIDER_MIRROR): NodeJS.ProcessEnv {
  mkdirSync(cache, { recursive: true });
  const config = join(workDir, '.terraformrc');
  writeFileSync(
    config,
    [
      `plugin_cache_dir = ${JSON.stringify(cache)}`,
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${JSON.stringify(mirror)}`,
      '    include = ["registry.terraform.io/hashicorp/*"]',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: config,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
  };
}
