/**
 * npm run plan:summary -- <plan.json> [more plan files]
 *
 * Turns the JSON of `terraform show -json <planfile>` (one file per stack)
 * into Markdown a reviewer reads in five seconds: what moves first (traffic
 * switches, staged images, counts, destructive changes to protected
 * resources), then a table by resource type, then every change, collapsed.
 */
import { readFileSync } from 'node:fs';
import { encodingProblem } from '../core/strict-json';
import { basename, dirname } from 'node:path';
import { COLOUR_LABEL, PROMOTION_ANNOTATION } from '../core/labels';
import { isPreviewName } from '../core/names';
import { PROTECTED_TYPES } from '../core/protection';
import { differences } from './rollback-guard';
import { UsageError, parseCommandArgs } from './args';

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
  /** What changed outside Terraform since the last apply (the refresh's findings). */
  readonly resource_drift?: readonly ResourceChange[];
}

export class PlanInputError extends Error {}

/** The plan format this tool was written for: major 1; minors up to 1.2 (Terraform 1.11) are known. */
export const PLAN_FORMAT_MAJOR = '1';
export const PLAN_FORMAT_KNOWN_MINOR = 2;

/** A warning for a plan of a newer minor format than this tool knows, or undefined. */
export function formatWarning(file: string, plan: { format_version: string }): string | undefined {
  const minor = Number(plan.format_version.split('.')[1] ?? 0);
  return minor > PLAN_FORMAT_KNOWN_MINOR
    ? `warning: ${file}: plan format ${plan.format_version} is newer than ${PLAN_FORMAT_MAJOR}.${PLAN_FORMAT_KNOWN_MINOR}, the newest this tool knows: parts it does not know are left out (plan:redact) or not summarized`
    : undefined;
}

type Kind = 'add' | 'change' | 'replace' | 'destroy' | 'forget';

const SYMBOL: Record<Kind, string> = { add: '+', change: '~', replace: '-/+', destroy: '-', forget: '.' };

function kindOf(actions: readonly string[]): Kind | undefined {
  const a = actions.join(',');
  if (a === 'create') return 'add';
  if (a === 'update') return 'change';
  if (a === 'delete') return 'destroy';
  // `removed` with destroy = false: Terraform stops managing it, and it stays.
  if (a === 'forget') return 'forget';
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
      const from = path(rc.change.before, 'spec', 'selector', COLOUR_LABEL);
      const to = path(rc.change.after, 'spec', 'selector', COLOUR_LABEL);
      if (from !== to && typeof to === 'string' && !isPreviewName(name)) {
        lines.push(trafficLine(stack, name, String(from), to, path(rc.change.after, 'metadata', 'annotations')));
      }
    }
    const step = edgeStepLine(stack, rc, kind);
    if (step) lines.push(step);
    if (rc.type === 'kubernetes_deployment_v1' && (kind === 'change' || kind === 'add' || kind === 'replace')) {
      const image = (v: unknown) => path(v, 'spec', 'template', 'spec', 'container', 'image') as string | undefined;
      const name = metadataName(rc.change.after) ?? rc.address;
      const [from, to] = [image(rc.change.before), image(rc.change.after)];
      if (to && from !== to) lines.push(`${stack}: \`${to}\` staged to ${name}${from ? ` (was \`${from}\`)` : ''}`);
    }
  }
  return lines;
}

/** The step of the move to the Gateway API (the edge step's `terraform_data`), when it changes. */
function edgeStepLine(stack: string, rc: ResourceChange, kind: Kind): string | undefined {
  if (rc.type !== 'terraform_data' || kind === 'forget') return undefined;
  const input = (v: unknown) => (first(v)?.input ?? undefined) as Record<string, unknown> | undefined;
  const [before, after] = [input(rc.change.before), input(rc.change.after)];
  if (typeof after?.step !== 'string' || before?.step === after.step) return undefined;
  const from = typeof before?.step === 'string' ? `${before.step} → ` : '';
  return `**${stack}: edge step ${from}${after.step}**: serves ${String(after.serves)}; next: ${String(after.next)}`;
}

/**
 * A switch of traffic and the analysis it passes (the live Service's
 * promotion annotation): "after analysis: …", "without analysis: <reason>"
 * (flagged), or none at all (a rollback, or a hand edit of `live`).
 */
function trafficLine(stack: string, name: string, from: string, to: string, annotations: unknown): string {
  const promotion = (annotations as Record<string, unknown> | undefined)?.[PROMOTION_ANNOTATION];
  const traffic = `${stack}: ${name} traffic ${from} → ${to}`;
  if (typeof promotion !== 'string')
    return `**${traffic}** (no analysis: the release file does not say \`switched\`: a rollback, or a hand edit)`;
  if (promotion.startsWith('without analysis'))
    return `⚠️ **${traffic} ${promotion}** (skipAnalysis in the release file)`;
  return `**${traffic} ${promotion}**`;
}

/**
 * What changed outside Terraform (`resource_drift`): one line each, with the
 * attributes that differ, never their values (a drift plan is posted).
 */
function driftLines(stack: string, plan: Plan): string[] {
  const drifted = (plan.resource_drift ?? []).filter((rc) =>
    rc.change.actions.some((a) => a === 'update' || a === 'delete' || a === 'create'),
  );
  if (drifted.length === 0) return [];
  return [
    `**${stack}: ${drifted.length} changed outside Terraform** (drift):`,
    ...drifted.map((rc) =>
      rc.change.actions.includes('delete')
        ? `- \`${rc.address}\`: deleted outside Terraform`
        : `- \`${rc.address}\`: ${differences(rc.change.before, rc.change.after, 8).join(', ')}`,
    ),
  ];
}

const ACTIONS = new Set(['no-op', 'create', 'read', 'update', 'delete', 'forget']);

/** What is wrong with one `resource_changes` entry, or undefined when it is well formed. */
function entryProblem(rc: unknown): string | undefined {
  if (!rc || typeof rc !== 'object' || Array.isArray(rc))
    return `is ${rc === null ? 'null' : typeof rc}, not an object`;
  const r = rc as Record<string, unknown>;
  if (typeof r.address !== 'string' || r.address === '') return 'has no address';
  if (typeof r.type !== 'string' || r.type === '') return 'has no type';
  const change = r.change as Record<string, unknown> | null | undefined;
  if (!change || typeof change !== 'object') return 'has no change object';
  const actions = change.actions;
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => typeof a === 'string')) {
    return `change.actions must be a list of strings (got ${JSON.stringify(actions)?.slice(0, 40)})`;
  }
  const unknown = actions.find((a) => !ACTIONS.has(a));
  return unknown === undefined ? undefined : `change.actions has an unknown action "${unknown}"`;
}

/**
 * Nesting no plan Terraform writes comes near (its values nest as deep as
 * a resource's blocks, tens of levels), kept well below what the recursive
 * walks of the plan tools can take.
 */
export const MAX_DEPTH = 1000;

const tooDeep = (file: string) =>
  `${file}: nests deeper than ${MAX_DEPTH} levels, which no Terraform plan does; pass the output of terraform show -json <planfile>`;

/** How deep a parsed JSON value nests, measured without recursion (the value may be deeper than the stack). */
function depth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, d);
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return deepest;
}

/**
 * An environment the base branch lists and this change does not: nothing
 * plans, deploys or checks drift for it any more, while its resources run on.
 */
export const removedLine = (env: string): string =>
  `⚠️ **${env} is removed from environments/index.ts**: this pull request plans nothing for it, and after the merge no deploy or drift check runs for it; its resources keep running and its state stays in the state bucket. To take it down, destroy it before removing it (docs/environments.md, Removing an environment).`;

/** Malformed entries reported at most, per file; the rest are counted. */
const MAX_REPORTED = 20;

/**
 * Parses and checks one plan file's text: it must be the JSON of a plan
 * (not a state file or a provider schema), and every resource change must
 * be well formed. Throws a PlanInputError naming the file, and for a bad
 * entry its index and address.
 */
export function parsePlan(file: string, content: string | Uint8Array): Plan {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  const encoding = encodingProblem(bytes);
  if (encoding) {
    throw new PlanInputError(
      `${file}: ${encoding} (PowerShell's ">" writes UTF-16: use terraform show -json <planfile> | Out-File -Encoding utf8 <file>)`,
    );
  }
  // A byte-order mark is the one thing an editor or shell adds that JSON.parse refuses; it means nothing.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new PlanInputError(`${file}: empty file, expected the output of terraform show -json`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    if (e instanceof RangeError) throw new PlanInputError(tooDeep(file));
    throw new PlanInputError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (depth(json) > MAX_DEPTH) throw new PlanInputError(tooDeep(file));
  const plan = json as Partial<Plan> & { planned_values?: unknown };
  if (!plan || typeof plan !== 'object' || Array.isArray(plan) || typeof plan.format_version !== 'string') {
    throw new PlanInputError(
      `${file}: not a Terraform plan (no format_version); pass the output of terraform show -json`,
    );
  }
  const major = plan.format_version.split('.')[0];
  if (major !== PLAN_FORMAT_MAJOR) {
    throw new PlanInputError(
      `${file}: plan format ${plan.format_version} is not one this tool reads (${PLAN_FORMAT_MAJOR}.x, written by Terraform 1.x): its parts may mean something else, so nothing is summarized or redacted`,
    );
  }
  if (plan.resource_changes === undefined && plan.planned_values === undefined && plan.errored !== true) {
    throw new PlanInputError(
      `${file}: not a Terraform plan (no resource_changes or planned_values: a state file or a provider schema?); pass the output of terraform show -json <planfile>`,
    );
  }
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) {
    throw new PlanInputError(`${file}: not a Terraform plan (resource_changes is not a list)`);
  }
  if (plan.resource_drift !== undefined && !Array.isArray(plan.resource_drift)) {
    throw new PlanInputError(`${file}: not a Terraform plan (resource_drift is not a list)`);
  }
  const problems: string[] = [];
  for (const list of ['resource_changes', 'resource_drift'] as const) {
    (plan[list] ?? []).forEach((rc: unknown, i: number) => {
      const problem = entryProblem(rc);
      if (problem === undefined) return;
      const address = (rc as { address?: unknown } | null)?.address;
      problems.push(`${list}[${i}]${typeof address === 'string' && address !== '' ? ` (${address})` : ''} ${problem}`);
    });
  }
  if (problems.length > 0) {
    const more =
      problems.length > MAX_REPORTED ? [`…and ${problems.length - MAX_REPORTED} more malformed entries`] : [];
    throw new PlanInputError(
      `${file}: malformed plan:\n${[...problems.slice(0, MAX_REPORTED), ...more].map((p) => `  ${p}`).join('\n')}`,
    );
  }
  return plan as Plan;
}

/**
 * The stack name of a plan file: `production.json`, `production.plan.json`,
 * or `<stack>/plan.json` and `<stack>/plan.redacted.json` (in cdktf.out/stacks/<stack>).
 */
export function stackName(file: string): string {
  const base = basename(file).replace(/(\.plan)?(\.redacted)?\.json$/, '');
  return base === 'plan' || base === 'tfplan' ? basename(dirname(file)) : base;
}

export interface StackPlan {
  readonly stack: string;
  readonly plan: Plan;
}

/** GitHub refuses a comment over 65,536 characters; this leaves room for a header. */
export const MAX_SUMMARY_CHARS = 65_000;
/** Headline and caution lines shown per stack before they are counted instead. */
const MAX_LISTED_LINES = 100;

/** The longest line shown: a headline carries text from the plan (an annotation), which can be of any size. */
const MAX_LINE_CHARS = 1000;
const clip = (line: string): string =>
  line.length <= MAX_LINE_CHARS
    ? line
    : `${line.slice(0, MAX_LINE_CHARS)}… (${line.length - MAX_LINE_CHARS} more characters)`;

/** The head within the limit whatever it holds, cut with a line saying so. */
function fitted(head: string): string {
  if (head.length <= MAX_SUMMARY_CHARS) return head;
  const note = '\n\n…the summary was cut here to fit a comment: see the job log for the rest.';
  return head.slice(0, MAX_SUMMARY_CHARS - note.length - 1) + note;
}

/** At most `max` of `lines`, then one line saying how many were left out. */
function capped(lines: string[], max: number, what: string): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max), `…and ${lines.length - max} more ${what}`];
}

/** A stack whose plan could not be read: its problem is shown in place of its summary. */
export interface UnreadablePlan {
  readonly stack: string;
  readonly problem: string;
}

/**
 * The Markdown summary of one or more stacks' plans, at most
 * MAX_SUMMARY_CHARS long: the headlines, counts, caution block and tables
 * always stay; the list of every change is cut first, with a line saying how
 * many entries were left out and where the full list is.
 */
export function summarize(
  plans: readonly StackPlan[],
  unreadable: readonly UnreadablePlan[] = [],
  removed: readonly string[] = [],
): string {
  const top: string[] = removed.map(removedLine);
  const warnings: string[] = [];
  const tables: string[] = [];
  const details: { stack: string; lines: string[] }[] = [];

  for (const { stack, problem } of unreadable) top.push(`⛔ **${stack}: the plan could not be read**: ${problem}`);
  for (const { stack, plan } of plans) {
    if (plan.errored) {
      top.push(`⛔ **${stack}: the plan failed**; see the job log.`);
      continue;
    }
    const changes = (plan.resource_changes ?? []).flatMap((rc): Classified[] => {
      const kind = kindOf(rc.change.actions);
      return kind ? [{ rc, kind }] : [];
    });
    const drift = driftLines(stack, plan);
    top.push(...capped(drift, MAX_LISTED_LINES, `resources changed outside Terraform in ${stack}`));
    if (changes.length === 0) {
      top.push(`**${stack}**: no changes${drift.length > 0 ? ' to apply (the drift above is only recorded)' : ''}.`);
      continue;
    }
    const counts = countChanges(changes);
    warnings.push(
      ...capped(
        protectedWarnings(stack, changes),
        MAX_LISTED_LINES,
        `destructive changes to protected resources in ${stack}`,
      ),
    );
    top.push(...capped(headlines(stack, changes), MAX_LISTED_LINES, `traffic or image changes in ${stack}`));
    const forgets =
      counts.total.forget > 0 ? `, ${counts.total.forget} to forget (no longer managed, left in place)` : '';
    const t = counts.total;
    top.push(
      `**${stack}**: ${t.add} to add, ${t.change} to change, ${t.replace} to replace, ${t.destroy} to destroy${forgets}.`,
    );
    tables.push(typeTable(stack, counts));
    details.push({ stack, lines: changes.map(({ rc, kind }) => `- \`${SYMBOL[kind]}\` \`${rc.address}\``) });
  }

  const out = top.map(clip);
  if (warnings.length > 0) {
    out.push(
      '',
      '> [!CAUTION]',
      '> Destructive changes to protected resources:',
      ...warnings.map((w) => `> ${clip(w)}`),
    );
  }
  if (tables.length > 0) out.push('', ...tables.flatMap((t) => [t, '']));
  const head = fitted(out.join('\n'));
  return `${[head, ...detailBlocks(details, MAX_SUMMARY_CHARS - head.length - 1)].join('\n').trimEnd()}\n`;
}

const noChanges = (): Record<Kind, number> => ({ add: 0, change: 0, replace: 0, destroy: 0, forget: 0 });

/** How many changes of each kind, in all and by resource type. */
function countChanges(changes: readonly Classified[]) {
  const total = noChanges();
  const byType = new Map<string, Record<Kind, number>>();
  for (const { rc, kind } of changes) {
    total[kind]++;
    const row = byType.get(rc.type) ?? noChanges();
    row[kind]++;
    byType.set(rc.type, row);
  }
  return { total, byType };
}

/** A destroy or replace of a protected type, one line each. */
function protectedWarnings(stack: string, changes: readonly Classified[]): string[] {
  return changes
    .filter(({ rc, kind }) => (kind === 'destroy' || kind === 'replace') && PROTECTED_TYPES.has(rc.type))
    .map(({ rc, kind }) => `- **${stack}**: ${kind === 'destroy' ? 'destroys' : 'replaces'} \`${rc.address}\``);
}

/** The table by resource type; a forget column only when something is forgotten. */
function typeTable(stack: string, counts: ReturnType<typeof countChanges>): string {
  const forget = counts.total.forget > 0;
  return [
    `#### ${stack}`,
    '',
    `| resource type | add | change | replace | destroy |${forget ? ' forget |' : ''}`,
    `| --- | ---: | ---: | ---: | ---: |${forget ? ' ---: |' : ''}`,
    ...[...counts.byType.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([type, c]) =>
          `| \`${type}\` | ${c.add} | ${c.change} | ${c.replace} | ${c.destroy} |${forget ? ` ${c.forget} |` : ''}`,
      ),
  ].join('\n');
}

/** The collapsed per-stack change lists, cut to fit `budget` characters. */
function detailBlocks(details: { stack: string; lines: string[] }[], budget: number): string[] {
  const blocks: string[] = [];
  let left = budget;
  for (const { stack, lines } of details) {
    const open = `<details><summary>${stack}: all ${lines.length} changes</summary>\n`;
    const close = '\n</details>\n';
    // Room for the cut notice, whatever the counts are.
    const notice = (n: number) =>
      `…and ${n} more changes not listed here (the comment's size limit): the plan job's log and its redacted plan artifact have them all.`;
    let room = left - open.length - close.length - notice(lines.length).length - 2;
    const kept: string[] = [];
    for (const line of lines) {
      if (line.length + 1 > room) break;
      kept.push(line);
      room -= line.length + 1;
    }
    if (kept.length === 0 && lines.length > 0 && room < 0) break;
    const cut = lines.length - kept.length;
    const block = [open, ...kept, ...(cut > 0 ? ['', notice(cut)] : []), close].join('\n');
    blocks.push(block);
    left -= block.length + 1;
  }
  return blocks;
}

/** The I/O of the plan commands (plan:summary, plan:redact); tests pass their own. */
export interface PlanCommandOptions {
  readonly out?: (text: string) => void;
  readonly err?: (line: string) => void;
  readonly read?: (file: string) => string | Uint8Array;
}

/** The options with the process's stdout, stderr and file system filled in. */
export function planCommandIo(options: PlanCommandOptions): Required<PlanCommandOptions> {
  return {
    out: options.out ?? ((t: string) => process.stdout.write(t)),
    err: options.err ?? ((l: string) => process.stderr.write(`${l}\n`)),
    // Bytes, not text: the encoding is checked before the text is read (parsePlan).
    read: options.read ?? ((f: string) => readFileSync(f)),
  };
}

/** Reads and checks one plan file; throws a PlanInputError naming it. */
export function readPlan(file: string, read: (file: string) => string | Uint8Array): Plan {
  let text: string | Uint8Array;
  try {
    text = read(file);
  } catch (e) {
    throw new PlanInputError(`${file}: cannot read (${(e as Error).message})`);
  }
  return parsePlan(file, text);
}

function usage(err: (line: string) => void, why?: string): number {
  err(
    'usage: npm run plan:summary -- [--removed <environment>]... <plan.json> [more plan files]   (each from terraform show -json)',
  );
  if (why) err(`error: ${why}`);
  return 2;
}

/** Runs the command; returns the exit code (0 ok, 1 a plan failed or bad input, 2 usage). */
export function runPlanSummary(args: readonly string[], options: PlanCommandOptions = {}): number {
  const { out, err, read } = planCommandIo(options);
  let files: string[];
  let removed: string[];
  try {
    const parsed = parseCommandArgs(args, {
      removed: { type: 'string', value: 'an environment name', multiple: true },
    });
    files = parsed.positionals;
    removed = parsed.values.removed ?? [];
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usage(err, e.message);
  }
  if (files.length === 0) return usage(err, 'name a plan file');
  const plans: StackPlan[] = [];
  const unreadable: UnreadablePlan[] = [];
  for (const file of files) {
    try {
      const plan = readPlan(file, read);
      const warning = formatWarning(file, plan);
      if (warning) err(warning);
      plans.push({ stack: stackName(file), plan });
    } catch (e) {
      if (!(e instanceof PlanInputError)) throw e;
      err(`error: ${e.message}`);
      unreadable.push({ stack: stackName(file), problem: e.message.split('\n')[0]!.replace(`${file}: `, '') });
    }
  }
  // Nothing readable at all: no summary to print, only the errors.
  if (plans.length > 0) out(summarize(plans, unreadable, removed));
  return unreadable.length > 0 || plans.some((p) => p.plan.errored) ? 1 : 0;
}

/** `npm run plan:summary -- …` */
export const main = (args: readonly string[]): number => runPlanSummary(args);
