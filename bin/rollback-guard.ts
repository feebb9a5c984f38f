/**
 * The proof an automatic rollback's plan needs before it is applied without
 * approval: it moves traffic back and changes nothing else. Read from the
 * JSON of `terraform show -json <planfile>` (unredacted: a change hidden
 * behind a sensitive marker would pass unseen), it allows exactly:
 *
 * - a Service's selector, colour label and promotion annotation;
 * - an autoscaler's target (it follows the live colour);
 * - a service's monitoring release's values (its availability rules follow
 *   the live colour);
 * - a colour Deployment's replica count, to a size above zero (the colour
 *   leaving traffic keeps running, at the size the file says);
 * - deleting the release analysis's Jobs, ConfigMaps and verdict records.
 *
 * Anything else (an addition, a replacement, another attribute, another
 * type) is a problem, named by address and attribute, never by value.
 */
import { ANALYSIS_OF_LABEL, COLOUR_LABEL } from '../core/labels';
import { serviceOfMonitoringRelease } from '../core/names';
import { parseVerdict } from '../features/release/analysis/verdict';

/* eslint-disable @typescript-eslint/no-explicit-any -- plan JSON is untyped data walked by shape */
type Json = any;

interface Allowed {
  /** What the change is, for the report. */
  readonly what: string;
  readonly action: 'update' | 'delete';
  readonly applies: (rc: Json) => boolean;
  /** Attribute paths (dotted, list indexes as numbers) that may differ. */
  readonly mayChange: readonly string[];
  /** A further check of the new values. @default none */
  readonly check?: (after: Json) => string | undefined;
}

const first = (v: Json) => (Array.isArray(v) ? v[0] : v);
const analysisObject = (rc: Json) => Boolean(first(rc.change.before?.metadata)?.labels?.[ANALYSIS_OF_LABEL]);
/** A `terraform_data` holding an analysis verdict (ReleaseAnalysis's record). */
const verdictRecord = (rc: Json) => {
  try {
    return rc.type === 'terraform_data' && Boolean(parseVerdict(String(rc.change.before?.output?.message ?? '')));
  } catch {
    return false;
  }
};

const ALLOWED: readonly Allowed[] = [
  {
    what: 'traffic (Service selector)',
    action: 'update',
    applies: (rc) => rc.type === 'kubernetes_service_v1',
    mayChange: ['spec.0.selector', `metadata.0.labels.${COLOUR_LABEL}`, 'metadata.0.annotations'],
  },
  {
    what: 'autoscaler target',
    action: 'update',
    applies: (rc) => rc.type === 'kubernetes_horizontal_pod_autoscaler_v2',
    mayChange: ['spec.0.scale_target_ref'],
  },
  {
    what: 'monitoring rules of the live colour',
    action: 'update',
    applies: (rc) =>
      rc.type === 'helm_release' && serviceOfMonitoringRelease(String(rc.change.before?.name)) !== undefined,
    // The Helm provider (3.x) marks `id` and `metadata` unknown on any update.
    mayChange: ['values', 'metadata', 'id'],
  },
  {
    what: 'replicas of a colour',
    action: 'update',
    applies: (rc) => rc.type === 'kubernetes_deployment_v1',
    mayChange: ['spec.0.replicas'],
    check: (after) =>
      Number(first(after?.spec)?.replicas) >= 1 ? undefined : 'scales a colour to zero: a rollback keeps both running',
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
function without(value: Json, paths: readonly string[]): Json {
  const copy = structuredClone(value ?? {});
  for (const path of paths) {
    const keys = path.split('.');
    let cur = copy;
    for (const key of keys.slice(0, -1)) cur = cur?.[key];
    if (cur && typeof cur === 'object') delete cur[keys.at(-1)!];
  }
  return copy;
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
function unknownPaths(mask: Json, allowed: readonly string[], at = ''): string[] {
  if (mask === true) return allowed.some((p) => at === p || at.startsWith(`${p}.`)) ? [] : [at];
  if (!mask || typeof mask !== 'object') return [];
  return Object.entries(mask).flatMap(([k, v]) => unknownPaths(v, allowed, at ? `${at}.${k}` : k));
}

const ACTION: Record<string, 'update' | 'delete' | 'other'> = { update: 'update', delete: 'delete' };

/** Why one resource change is more than a move of traffic, or undefined when it is allowed. */
function problemOf(rc: Json): string | undefined {
  const actions: string[] = rc.change?.actions ?? [];
  if (actions.every((a) => a === 'no-op' || a === 'read')) return undefined;
  const action = actions.length === 1 ? (ACTION[actions[0]!] ?? 'other') : 'other';
  const rules = ALLOWED.filter((r) => r.action === action && r.applies(rc));
  if (rules.length === 0) return `${actions.join('+')} is not part of a rollback`;
  for (const rule of rules) {
    if (action === 'delete') return undefined;
    const changed = differences(without(rc.change.before, rule.mayChange), without(rc.change.after, rule.mayChange));
    const unknown = unknownPaths(rc.change.after_unknown, rule.mayChange);
    if (changed.length === 0 && unknown.length === 0) return rule.check?.(rc.change.after);
  }
  const rule = rules[0]!;
  const changed = new Set([
    ...differences(without(rc.change.before, rule.mayChange), without(rc.change.after, rule.mayChange)),
    ...unknownPaths(rc.change.after_unknown, rule.mayChange),
  ]);
  return `changes ${[...changed].join(', ')} (a rollback may change only ${rule.mayChange.join(', ')})`;
}

/** Every change of the plan that is more than moving traffic back, as `address: why` lines. */
export function trafficOnlyProblems(plan: Json): string[] {
  if (!plan || typeof plan !== 'object' || !Array.isArray(plan.resource_changes ?? [])) {
    return ['not a Terraform plan (no resource_changes list)'];
  }
  if (plan.errored) return ['the plan failed'];
  return (plan.resource_changes ?? []).flatMap((rc: Json) => {
    const problem = problemOf(rc);
    return problem ? [`${rc.address}: ${problem}`] : [];
  });
}

/** What the plan changes, one line per change, for the record (addresses only). */
export function changeLines(plan: Json): string[] {
  return (plan.resource_changes ?? [])
    .filter((rc: Json) => !(rc.change?.actions ?? []).every((a: string) => a === 'no-op' || a === 'read'))
    .map((rc: Json) => `${rc.change.actions.join('+')} ${rc.address}`);
}
