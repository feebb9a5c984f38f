/**
 * The verdict of a release analysis: one line of JSON that analysis.sh
 * (beside this file, its only writer) leaves as the analysis pod's
 * termination message. Terraform copies it into a record in state when the
 * Job ends (ReleaseAnalysis), so it outlives the pod; the Service's
 * precondition and the post-switch record's postcondition read it there
 * with the HCL below, and the rollback command reads it from state with
 * `parseVerdict`. Pure; no cdktf.
 *
 *   {"format":1,"verdict":"FAIL","namespace":"production","service":"mls-server",
 *    "when":"post","release":"1.5.0","stage":"3","summary":"error_ratio = 0.31, …",
 *    "checks":[{"name":"error_ratio","result":"fail","value":"0.31","failed":3,"inconclusive":0,"measured":3}]}
 */
import type { AnalysisWhen } from '../../../core/names';

/** The version of the format this module reads; analysis.sh writes it. */
export const VERDICT_FORMAT = 1;

/**
 * PASS: every check held on enough data. FAIL: a check failed (evidence of
 * harm). INCONCLUSIVE: no check failed, but too many measurements had no
 * trustworthy data (Prometheus unreachable, too few requests): no evidence
 * either way.
 */
export type VerdictResult = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

export interface CheckOutcome {
  readonly name: string;
  readonly result: 'pass' | 'fail' | 'inconclusive';
  /** The last measured value, or why there was none. */
  readonly value: string;
  readonly failed: number;
  readonly inconclusive: number;
  readonly measured: number;
}

export interface Verdict {
  readonly verdict: VerdictResult;
  readonly namespace: string;
  readonly service: string;
  readonly when: AnalysisWhen;
  readonly release: string;
  /** The stage that put the release on the colour; undefined for a release staged before stages were numbered. */
  readonly stage?: number;
  /** In words: the failing check and its value, or what passed. */
  readonly summary: string;
  readonly checks: readonly CheckOutcome[];
}

export class VerdictError extends Error {}

const RESULTS: readonly VerdictResult[] = ['PASS', 'FAIL', 'INCONCLUSIVE'];

/** The verdict in a termination message or record; throws VerdictError naming what is wrong. */
export function parseVerdict(text: string): Verdict {
  const trimmed = text.trim();
  if (trimmed === '') throw new VerdictError('no verdict (the analysis pod is gone or never ran)');
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    throw new VerdictError(`not a verdict (not JSON): ${JSON.stringify(trimmed.slice(0, 120))}`);
  }
  const v = raw as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new VerdictError('not a verdict (not an object)');
  if (v.format !== VERDICT_FORMAT) {
    throw new VerdictError(`verdict format ${JSON.stringify(v.format)} is not ${VERDICT_FORMAT}, the one this reads`);
  }
  const text_ = (key: string): string => {
    if (typeof v[key] !== 'string') throw new VerdictError(`verdict has no "${key}"`);
    return v[key] as string;
  };
  const verdict = text_('verdict') as VerdictResult;
  if (!RESULTS.includes(verdict)) throw new VerdictError(`verdict "${verdict}" is not one of ${RESULTS.join(', ')}`);
  const when = text_('when');
  if (when !== 'pre' && when !== 'post') throw new VerdictError(`verdict "when" is "${when}", not pre or post`);
  const stage = text_('stage');
  if (!/^(\d+)?$/.test(stage)) throw new VerdictError(`verdict "stage" is "${stage}", not a number`);
  const checks = Array.isArray(v.checks) ? (v.checks as CheckOutcome[]) : [];
  return {
    verdict,
    namespace: text_('namespace'),
    service: text_('service'),
    when,
    release: text_('release'),
    stage: stage === '' ? undefined : Number(stage),
    summary: text_('summary'),
    checks,
  };
}

/** What an analysis is of: the identity a verdict must carry to count as evidence about it. */
export interface AnalysisIdentity {
  readonly namespace: string;
  readonly service: string;
  readonly when: AnalysisWhen;
  readonly release: string;
  readonly stage?: number;
}

/** The fields in which a verdict is about another analysis than `expected` (empty: it is about this one). */
export function identityMismatches(verdict: Verdict, expected: AnalysisIdentity): string[] {
  return (['namespace', 'service', 'when', 'release', 'stage'] as const)
    .filter((key) => verdict[key] !== expected[key])
    .map((key) => `${key} is ${show(verdict[key])}, not ${show(expected[key])}`);
}

const show = (value: string | number | undefined) => (value === undefined ? 'none' : JSON.stringify(value));

/** "PASS", "FAIL", "INCONCLUSIVE", or "NONE" when `message` (an HCL expression) holds no verdict. */
export const hclVerdict = (message: string): string => `try(jsondecode(${message}).verdict, "NONE")`;

/** The summary in words for Terraform's error message, or why there is none. */
export const hclSummary = (message: string): string =>
  `try(jsondecode(${message}).summary, trimspace(${message}) == "" ? "no verdict: the analysis pod is gone or never ran (stage the release again to run a new analysis)" : ${message})`;

/** A verdict record found in state: its address, and its verdict or why it has none. */
export interface RecordedVerdict {
  readonly address: string;
  readonly verdict?: Verdict;
  readonly problem?: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Terraform's state JSON */

/**
 * The analysis verdict records in `terraform show -json`'s state (every
 * module): the `terraform_data` resources ReleaseAnalysis writes, whose
 * output holds `message`.
 */
export function verdictsInState(state: any): RecordedVerdict[] {
  const found: RecordedVerdict[] = [];
  const walk = (module: any) => {
    for (const r of module?.resources ?? []) {
      const message = r.type === 'terraform_data' ? r.values?.output?.message : undefined;
      if (typeof message !== 'string') continue;
      try {
        found.push({ address: r.address, verdict: parseVerdict(message) });
      } catch (e) {
        if (!(e instanceof VerdictError)) throw e;
        found.push({ address: r.address, problem: e.message });
      }
    }
    for (const child of module?.child_modules ?? []) walk(child);
  };
  walk(state?.values?.root_module);
  return found;
}
