/**
 * npm run plan:redact -- <plan.json>
 *
 * Prints the JSON of `terraform show -json <planfile>` with every sensitive
 * value replaced by a fixed marker, so the result may be uploaded or posted.
 * `terraform show -json` writes sensitive values in clear; Terraform says
 * which ones are sensitive beside them, in masks that mirror the value's
 * shape (`true` for a whole subtree, objects and lists for parts of it):
 *
 * - `resource_changes[]` and `resource_drift[]`: `change.before` masked by
 *   `change.before_sensitive`, `change.after` by `change.after_sensitive`;
 * - `planned_values` and `prior_state.values` (resources and data sources, in
 *   the root module and every child module): `values` masked by
 *   `sensitive_values`; outputs with `sensitive: true`;
 * - `output_changes`: like a resource change;
 * - `variables`: the value of every variable the configuration declares
 *   sensitive.
 *
 * - `deferred_changes[]`: each `resource_change` like a resource change.
 *
 * Anything else is not kept: `configuration` holds expressions (and a
 * sensitive variable's literal default), so it goes; a part this tool does
 * not know (`checks`, whose problems quote values, or a part a newer format
 * adds) is replaced by REDACTED, so a new place for a value is never
 * passed through in clear. Only the parts that carry no value
 * (NO_VALUES) are copied as they are.
 */
import { PlanCommandOptions, PlanInputError, formatWarning, planCommandIo, readPlan } from './plan-summary-command';
import { UsageError, parseCommandArgs } from './args';

/** What replaces a sensitive value. */
export const REDACTED = '(sensitive value redacted)';

/* eslint-disable @typescript-eslint/no-explicit-any -- plan JSON is untyped data walked by shape */
type Json = any;

/**
 * `value` with the parts `mask` marks replaced by REDACTED. A mask of `true`
 * hides everything below; an object or list mask is followed key by key.
 */
export function applyMask(value: Json, mask: Json): Json {
  if (mask === true) return value === null || value === undefined ? value : REDACTED;
  if (!mask || typeof mask !== 'object' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => applyMask(v, Array.isArray(mask) ? mask[i] : mask[String(i)]));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, applyMask(v, mask[k])]));
}

function redactChange(change: Json): Json {
  if (!change || typeof change !== 'object') return change;
  return {
    ...change,
    before: applyMask(change.before, change.before_sensitive),
    after: applyMask(change.after, change.after_sensitive),
  };
}

function redactResourceChanges(list: Json): Json {
  return Array.isArray(list)
    ? list.map((rc) => (rc && typeof rc === 'object' ? { ...rc, change: redactChange(rc.change) } : rc))
    : list;
}

/** A module of planned_values or prior_state.values, with its children. */
function redactModule(module: Json): Json {
  if (!module || typeof module !== 'object') return module;
  return {
    ...module,
    resources: Array.isArray(module.resources)
      ? module.resources.map((r: Json) =>
          r && typeof r === 'object' ? { ...r, values: applyMask(r.values, r.sensitive_values) } : r,
        )
      : module.resources,
    child_modules: Array.isArray(module.child_modules) ? module.child_modules.map(redactModule) : module.child_modules,
  };
}

function redactOutputs(outputs: Json): Json {
  if (!outputs || typeof outputs !== 'object') return outputs;
  return Object.fromEntries(
    Object.entries(outputs).map(([name, o]: [string, Json]) => [
      name,
      o && typeof o === 'object' ? { ...o, value: applyMask(o.value, o.sensitive) } : o,
    ]),
  );
}

function redactValues(values: Json): Json {
  if (!values || typeof values !== 'object') return values;
  return { ...values, outputs: redactOutputs(values.outputs), root_module: redactModule(values.root_module) };
}

/** Top-level parts of a plan that hold no value of a resource, variable or output. */
const NO_VALUES = [
  'format_version',
  'terraform_version',
  'applyable',
  'complete',
  'errored',
  'timestamp',
  'relevant_attributes',
];

function redactDeferred(list: Json): Json {
  return Array.isArray(list)
    ? list.map((d) =>
        d && typeof d === 'object'
          ? { ...d, resource_change: redactResourceChanges([d.resource_change])[0] }
          : REDACTED,
      )
    : list;
}

/** The plan with every sensitive value replaced by REDACTED, and every part it does not know too. */
export function redactPlan(plan: Json): Json {
  const declared = plan.configuration?.root_module?.variables ?? {};
  const variables =
    plan.variables &&
    Object.fromEntries(
      Object.entries(plan.variables).map(([name, v]: [string, Json]) => [
        name,
        declared[name]?.sensitive ? { ...v, value: REDACTED } : v,
      ]),
    );
  const unknown = Object.fromEntries(
    Object.keys(plan)
      .filter((key) => !NO_VALUES.includes(key) && key !== 'configuration')
      .map((key) => [key, REDACTED]),
  );
  const out: Json = {
    ...plan,
    ...unknown,
    ...(variables ? { variables } : {}),
    deferred_changes: redactDeferred(plan.deferred_changes),
    resource_changes: redactResourceChanges(plan.resource_changes),
    resource_drift: redactResourceChanges(plan.resource_drift),
    planned_values: redactValues(plan.planned_values),
    prior_state: plan.prior_state && { ...plan.prior_state, values: redactValues(plan.prior_state.values) },
    output_changes:
      plan.output_changes &&
      Object.fromEntries(Object.entries(plan.output_changes).map(([k, c]) => [k, redactChange(c)])),
  };
  delete out.configuration;
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

/** Runs the command; returns the exit code (0 ok, 1 bad input, 2 usage). */
export function runPlanRedact(args: readonly string[], options: PlanCommandOptions = {}): number {
  const { out, err, read } = planCommandIo(options);
  let file: string;
  try {
    const { positionals } = parseCommandArgs(args, {});
    if (positionals.length !== 1)
      throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'name a plan file');
    file = positionals[0]!;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err('usage: npm run --silent plan:redact -- <plan.json>   (from terraform show -json; prints redacted JSON)');
    err(`error: ${e.message}`);
    return 2;
  }
  try {
    const plan = readPlan(file, read);
    const warning = formatWarning(file, plan);
    if (warning) err(warning);
    out(`${JSON.stringify(redactPlan(plan))}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof PlanInputError)) throw e;
    err(`error: ${e.message}`);
    return 1;
  }
}

/** `npm run plan:redact -- …` */
export const main = (args: readonly string[]): number => runPlanRedact(args);
