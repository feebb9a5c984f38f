/**
 * The proof an automatic rollback's plan needs before it is applied without
 * approval: it moves traffic back and changes nothing else. Read from the
 * JSON of `terraform show -json <planfile>` (unredacted: a change hidden
 * behind a sensitive marker would pass unseen), it allows exactly:
 *
 * - a Service's selector and colour label, to the colour the release file
 *   gives it after the rollback, and its promotion annotation;
 * - an autoscaler's target, to the live colour's Deployment;
 * - a service's monitoring release's values, where they differ only in
 *   which colour they name (its availability rules follow the live colour);
 * - a colour Deployment's replica count, to exactly the size the release
 *   file gives that colour, never zero;
 * - deleting the release analysis's Jobs, ConfigMaps and verdict records.
 *
 * Anything else (an addition, a replacement, another attribute, another
 * key, another type) is a problem, named by address and attribute, never by
 * value.
 */
import { COLOURS, Colour, otherColour } from '../core/colours';
import { ANALYSIS_OF_LABEL, COLOUR_LABEL, PROMOTION_ANNOTATION } from '../core/labels';
import { colourName, previewName, serviceOfMonitoringRelease } from '../core/names';
import type { Environment } from '../environments/validate';
import { parseVerdict } from '../features/release/analysis/verdict';

/* eslint-disable @typescript-eslint/no-explicit-any -- plan JSON is untyped data walked by shape */
type Json = any;

/** What the release file says once the rollback moved it: what the plan may move things to. */
export interface RollbackTarget {
  /** `namespace/name` of each Service → the colour it must select. */
  readonly selects: ReadonlyMap<string, Colour>;
  /** `namespace/name` of each live colour's Deployment (an autoscaler's only allowed target). */
  readonly live: ReadonlySet<string>;
  /** `namespace/name` of each colour Deployment → its replicas in the release file. */
  readonly replicas: ReadonlyMap<string, number>;
}

/** The target after `rolledBack` services move back to their other colour. */
export function rollbackTarget(env: Environment, rolledBack: readonly string[]): RollbackTarget {
  const selects = new Map<string, Colour>();
  const live = new Set<string>();
  const replicas = new Map<string, number>();
  for (const svc of env.services) {
    const release = env.release.services[svc.name];
    if (!release) continue;
    const colour = rolledBack.includes(svc.name) ? otherColour(release.live) : release.live;
    const inNamespace = (name: string) => `${env.namespace}/${name}`;
    selects.set(inNamespace(svc.name), colour);
    selects.set(inNamespace(previewName(svc.name)), otherColour(colour));
    live.add(inNamespace(colourName(svc.name, colour)));
    for (const c of COLOURS) replicas.set(inNamespace(colourName(svc.name, c)), release[c].replicas);
  }
  return { selects, live, replicas };
}

interface Allowed {
  /** What the change is, for the report. */
  readonly what: string;
  readonly action: 'update' | 'delete';
  readonly applies: (rc: Json) => boolean;
  /** Attribute paths (keys; list indexes as strings) that may differ. */
  readonly mayChange: readonly (readonly string[])[];
  /** A further check of the change against the target. @default none */
  readonly check?: (rc: Json, target: RollbackTarget) => string | undefined;
}

const first = (v: Json) => (Array.isArray(v) ? v[0] : v);
const at = (value: Json) => `${first(value?.metadata)?.namespace}/${first(value?.metadata)?.name}`;
const analysisObject = (rc: Json) => Boolean(first(rc.change.before?.metadata)?.labels?.[ANALYSIS_OF_LABEL]);
/** A `terraform_data` holding an analysis verdict (ReleaseAnalysis's record). */
const verdictRecord = (rc: Json) => {
  try {
    return rc.type === 'terraform_data' && Boolean(parseVerdict(String(rc.change.before?.output?.message ?? '')));
  } catch {
    return false;
  }
};
/** The values with every colour named as a word replaced: what must not differ between colours. */
const colourless = (values: Json) =>
  JSON.stringify(values ?? null).replace(new RegExp(`(?<![\\w.-])(${COLOURS.join('|')})(?![\\w-])`, 'g'), '<colour>');

function selectsTarget(rc: Json, target: RollbackTarget): string | undefined {
  const after = rc.change.after;
  const expected = target.selects.get(at(after));
  if (!expected) return `${at(after)} is not a Service of a released service`;
  const selector = first(after?.spec)?.selector?.[COLOUR_LABEL];
  const label = first(after?.metadata)?.labels?.[COLOUR_LABEL];
  if (selector !== expected || (label !== undefined && label !== expected)) {
    return `selects ${selector}${label === selector ? '' : ` (labelled ${label})`}; after the rollback the release file says ${expected}`;
  }
  return undefined;
}

const ALLOWED: readonly Allowed[] = [
  {
    what: 'traffic (Service selector)',
    action: 'update',
    applies: (rc) => rc.type === 'kubernetes_service_v1',
    mayChange: [
      ['spec', '0', 'selector', COLOUR_LABEL],
      ['metadata', '0', 'labels', COLOUR_LABEL],
      ['metadata', '0', 'annotations', PROMOTION_ANNOTATION],
    ],
    check: selectsTarget,
  },
  {
    what: 'autoscaler target',
    action: 'update',
    applies: (rc) => rc.type === 'kubernetes_horizontal_pod_autoscaler_v2',
    mayChange: [['spec', '0', 'scale_target_ref', '0', 'name']],
    check: (rc, target) => {
      const name = first(first(rc.change.after?.spec)?.scale_target_ref)?.name;
      const namespace = first(rc.change.after?.metadata)?.namespace;
      return target.live.has(`${namespace}/${name}`) ? undefined : `targets ${name}, not the live colour's Deployment`;
    },
  },
  {
    what: 'monitoring rules of the live colour',
    action: 'update',
    applies: (rc) =>
      rc.type === 'helm_release' && serviceOfMonitoringRelease(String(rc.change.before?.name)) !== undefined,
    // The Helm provider (3.x) marks `id` and `metadata` unknown on any update.
    mayChange: [['values'], ['metadata'], ['id']],
    check: (rc) =>
      colourless(rc.change.before?.values) === colourless(rc.change.after?.values)
        ? undefined
        : 'changes its values beyond the colour they name',
  },
  {
    what: 'replicas of a colour',
    action: 'update',
    applies: (rc) => rc.type === 'kubernetes_deployment_v1',
    mayChange: [['spec', '0', 'replicas']],
    check: (rc, target) => {
      const replicas = Number(first(rc.change.after?.spec)?.replicas);
      const expected = target.replicas.get(at(rc.change.after));
      if (!(replicas >= 1)) return 'scales a colour to zero: a rollback keeps both running';
      return replicas === expected
        ? undefined
        : `sets ${replicas} replicas; the release file says ${expected ?? 'nothing of this Deployment'}`;
    },
  },
  {
    what: 'release analysis removed',
    action: 'delete',
    applies: (rc) =>
      (['kubernetes_job_v1', 'kubernetes_config_map_v1'].includes(rc.type) && analysisObject(rc)) || verdictRecord(rc),
    mayChange: [],
  },
];

/** `value` without the attributes at `paths`. */
function without(value: Json, paths: readonly (readonly string[])[]): Json {
  const copy = structuredClone(value ?? {});
  for (const keys of paths) {
    let cur = copy;
    for (const key of keys.slice(0, -1)) cur = cur?.[key];
    if (cur && typeof cur === 'object') delete cur[keys.at(-1)!];
  }
  return copy;
}

/** `value` without empty maps and nulls: an annotation map emptied by `without` equals none. */
function pruned(value: Json): Json {
  if (Array.isArray(value)) return value.map(pruned);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .map(([k, v]) => [k, pruned(v)] as const)
    .filter(
      ([, v]) =>
        v !== null && v !== undefined && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0),
    );
  return Object.fromEntries(entries);
}

/** Dotted paths of the leaves where `a` and `b` differ (the first `max`). */
export function differences(a: Json, b: Json, max = 5, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const objects = a && b && typeof a === 'object' && typeof b === 'object';
  if (!objects) return [at || '(the whole value)'];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: string[] = [];
  for (const key of keys) {
    if (out.length >= max) break;
    out.push(...differences(a[key], b[key], max - out.length, at ? `${at}.${key}` : key));
  }
  return out;
}

/** Paths `after_unknown` marks unknown (computed at apply), outside `allowed`. */
function unknownPaths(mask: Json, allowed: readonly (readonly string[])[], at: string[] = []): string[] {
  if (mask === true) return allowed.some((p) => p.every((k, i) => at[i] === k)) ? [] : [at.join('.')];
  if (!mask || typeof mask !== 'object') return [];
  return Object.entries(mask).flatMap(([k, v]) => unknownPaths(v, allowed, [...at, k]));
}

const ACTION: Record<string, 'update' | 'delete' | 'other'> = { update: 'update', delete: 'delete' };

/** Why one resource change is more than a move of traffic, or undefined when it is allowed. */
function problemOf(rc: Json, target: RollbackTarget): string | undefined {
  const actions: string[] = rc.change?.actions ?? [];
  if (actions.every((a) => a === 'no-op' || a === 'read')) return undefined;
  const action = actions.length === 1 ? (ACTION[actions[0]!] ?? 'other') : 'other';
  const rules = ALLOWED.filter((r) => r.action === action && r.applies(rc));
  if (rules.length === 0) return `${actions.join('+')} is not part of a rollback`;
  if (action === 'delete') return undefined;
  // Each rule's paths once: the first rule the change stays within decides; otherwise the first names what is off.
  const outside = rules.map((rule) => [
    ...new Set([
      ...differences(
        pruned(without(rc.change.before, rule.mayChange)),
        pruned(without(rc.change.after, rule.mayChange)),
      ),
      ...unknownPaths(rc.change.after_unknown, rule.mayChange),
    ]),
  ]);
  const within = outside.findIndex((paths) => paths.length === 0);
  if (within >= 0) return rules[within]!.check?.(rc, target);
  const rule = rules[0]!;
  return `changes ${outside[0]!.join(', ')} (a rollback may change only ${rule.mayChange.map((p) => p.join('.')).join(', ')})`;
}

/** Every change of the plan that is more than moving traffic back, as `address: why` lines. */
export function trafficOnlyProblems(plan: Json, target: RollbackTarget): string[] {
  if (!plan || typeof plan !== 'object' || !Array.isArray(plan.resource_changes ?? [])) {
    return ['not a Terraform plan (no resource_changes list)'];
  }
  if (plan.errored) return ['the plan failed'];
  return (plan.resource_changes ?? []).flatMap((rc: Json) => {
    const problem = problemOf(rc, target);
    return problem ? [`${rc.address}: ${problem}`] : [];
  });
}

/** What the plan changes, one line per change, for the record (addresses only). */
export function changeLines(plan: Json): string[] {
  return (plan.resource_changes ?? [])
    .filter((rc: Json) => !(rc.change?.actions ?? []).every((a: string) => a === 'no-op' || a === 'read'))
    .map((rc: Json) => `${rc.change.actions.join('+')} ${rc.address}`);
}
