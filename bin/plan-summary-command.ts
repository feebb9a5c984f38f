/**
 * npm run plan:summary -- <plan.json> [more plan files]
 *
 * Turns the JSON of `terraform show -json <planfile>` (one file per stack)
 * into Markdown a reviewer reads in five seconds: what moves first (traffic
 * switches, staged images, counts, destructive changes to protected
 * resources), then a table by resource type, then every change, collapsed.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** The parts of Terraform's JSON plan format this reads. */
interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly change: { readonly actions: readonly string[]; readonly before?: unknown; readonly after?: unknown };
}

interface Plan {
  readonly format_version: string;
  readonly errored?: boolean;
  readonly resource_changes?: readonly ResourceChange[];
}

export class PlanInputError extends Error {}

type Kind = 'add' | 'change' | 'replace' | 'destroy';

/** Resources whose loss loses data or takes the service down. */
export const PROTECTED_TYPES = new Set([
  'aws_s3_bucket',
  'aws_kms_key',
  'aws_db_snapshot',
  'aws_db_instance',
  'aws_rds_cluster',
  'kubernetes_namespace_v1',
  'kubernetes_namespace',
  'kubernetes_secret_v1',
  'kubernetes_secret',
]);

const SYMBOL: Record<Kind, string> = { add: '+', change: '~', replace: '-/+', destroy: '-' };

function kindOf(actions: readonly string[]): Kind | undefined {
  const a = actions.join(',');
  if (a === 'create') return 'add';
  if (a === 'update') return 'change';
  if (a === 'delete') return 'destroy';
  if (a === 'delete,create' || a === 'create,delete') return 'replace';
  return undefined; // no-op, read
}

/** Terraform's JSON renders a nested block as a one-element list; accept both shapes. */
function first(value: unknown): Record<string, unknown> | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
}

function path(value: unknown, ...keys: string[]): unknown {
  let cur: unknown = value;
  for (const key of keys) cur = first(cur)?.[key];
  return cur;
}

const metadataName = (value: unknown) => path(value, 'metadata', 'name') as string | undefined;

/** A resource change that does something, with what it does. */
interface Classified {
  readonly rc: ResourceChange;
  readonly kind: Kind;
}

/** Headline lines for one stack: traffic switches and staged images. */
function headlines(stack: string, changes: readonly Classified[]): string[] {
  const lines: string[] = [];
  for (const { rc, kind } of changes) {
    if (rc.type === 'kubernetes_service_v1' && kind === 'change') {
      const name = metadataName(rc.change.after) ?? rc.address;
      const from = path(rc.change.before, 'spec', 'selector', 'version');
      const to = path(rc.change.after, 'spec', 'selector', 'version');
      if (from !== to && typeof to === 'string' && !name.endsWith('-preview')) {
        lines.push(`**${stack}: ${name} traffic ${String(from)} → ${to}**`);
      }
    }
    if (rc.type === 'kubernetes_deployment_v1' && (kind === 'change' || kind === 'add' || kind === 'replace')) {
      const image = (v: unknown) => path(v, 'spec', 'template', 'spec', 'container', 'image') as string | undefined;
      const name = metadataName(rc.change.after) ?? rc.address;
      const [from, to] = [image(rc.change.before), image(rc.change.after)];
      if (to && from !== to) lines.push(`${stack}: \`${to}\` staged to ${name}${from ? ` (was \`${from}\`)` : ''}`);
    }
  }
  return lines;
}

/** Parses and checks one plan file's text. */
export function parsePlan(file: string, text: string): Plan {
  if (text.trim() === '') throw new PlanInputError(`${file}: empty file, expected the output of terraform show -json`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PlanInputError(`${file}: not JSON (${(e as Error).message})`);
  }
  const plan = json as Partial<Plan>;
  if (!plan || typeof plan !== 'object' || typeof plan.format_version !== 'string') {
    throw new PlanInputError(
      `${file}: not a Terraform plan (no format_version); pass the output of terraform show -json`,
    );
  }
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) {
    throw new PlanInputError(`${file}: not a Terraform plan (resource_changes is not a list)`);
  }
  return plan as Plan;
}

/** The stack name of a plan file: `production.json`, `production.plan.json` or `<stack>/plan.json`. */
export function stackName(file: string): string {
  const base = basename(file).replace(/(\.plan)?\.json$/, '');
  return base === 'plan' || base === 'tfplan' ? basename(dirname(file)) : base;
}

export interface StackPlan {
  readonly stack: string;
  readonly plan: Plan;
}

/** The Markdown summary of one or more stacks' plans. */
export function summarize(plans: readonly StackPlan[]): string {
  const top: string[] = [];
  const warnings: string[] = [];
  const tables: string[] = [];
  const details: string[] = [];

  for (const { stack, plan } of plans) {
    if (plan.errored) {
      top.push(`⛔ **${stack}: the plan failed**; see the job log.`);
      continue;
    }
    const changes = (plan.resource_changes ?? []).flatMap((rc): Classified[] => {
      const kind = kindOf(rc.change.actions);
      return kind ? [{ rc, kind }] : [];
    });
    if (changes.length === 0) {
      top.push(`**${stack}**: no changes.`);
      continue;
    }
    const counts: Record<Kind, number> = { add: 0, change: 0, replace: 0, destroy: 0 };
    const byType = new Map<string, Record<Kind, number>>();
    for (const { rc, kind } of changes) {
      counts[kind]++;
      const row = byType.get(rc.type) ?? { add: 0, change: 0, replace: 0, destroy: 0 };
      row[kind]++;
      byType.set(rc.type, row);
      if ((kind === 'destroy' || kind === 'replace') && PROTECTED_TYPES.has(rc.type)) {
        warnings.push(`- **${stack}**: ${kind === 'destroy' ? 'destroys' : 'replaces'} \`${rc.address}\``);
      }
    }
    top.push(...headlines(stack, changes));
    top.push(
      `**${stack}**: ${counts.add} to add, ${counts.change} to change, ${counts.replace} to replace, ${counts.destroy} to destroy.`,
    );
    tables.push(
      [
        `#### ${stack}`,
        '',
        '| resource type | add | change | replace | destroy |',
        '| --- | ---: | ---: | ---: | ---: |',
        ...[...byType.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([type, c]) => `| \`${type}\` | ${c.add} | ${c.change} | ${c.replace} | ${c.destroy} |`),
      ].join('\n'),
    );
    details.push(
      [
        `<details><summary>${stack}: all ${changes.length} changes</summary>`,
        '',
        ...changes.map(({ rc, kind }) => `- \`${SYMBOL[kind]}\` \`${rc.address}\``),
        '',
        '</details>',
      ].join('\n'),
    );
  }

  const out = [...top];
  if (warnings.length > 0) {
    out.push('', '> [!CAUTION]', '> Destructive changes to protected resources:', ...warnings.map((w) => `> ${w}`));
  }
  if (tables.length > 0) out.push('', ...tables.flatMap((t) => [t, '']), ...details.flatMap((d) => [d, '']));
  return `${out.join('\n').trimEnd()}\n`;
}

export interface PlanSummaryOptions {
  readonly out?: (text: string) => void;
  readonly err?: (line: string) => void;
  readonly read?: (file: string) => string;
}

/** Runs the command; returns the exit code (0 ok, 1 a plan failed or bad input, 2 usage). */
export function runPlanSummary(args: readonly string[], options: PlanSummaryOptions = {}): number {
  const out = options.out ?? ((t: string) => process.stdout.write(t));
  const err = options.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const read = options.read ?? ((f: string) => readFileSync(f, 'utf8'));
  if (args.length === 0) {
    err('usage: npm run plan:summary -- <plan.json> [more plan files]   (each from terraform show -json)');
    return 2;
  }
  try {
    const plans = args.map((file) => {
      let text: string;
      try {
        text = read(file);
      } catch (e) {
        throw new PlanInputError(`${file}: cannot read (${(e as Error).message})`);
      }
      return { stack: stackName(file), plan: parsePlan(file, text) };
    });
    out(summarize(plans));
    return plans.some((p) => p.plan.errored) ? 1 : 0;
  } catch (e) {
    if (!(e instanceof PlanInputError)) throw e;
    err(`error: ${e.message}`);
    return 1;
  }
}
