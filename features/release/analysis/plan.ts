/**
 * What a service's next switch will check, from its settings and release
 * file alone: the analysis plan the stack builds its Jobs from, and the
 * words `release status`, the Service annotation and the plan summary show.
 * Pure; no cdktf (`release status` stays fast).
 */
import { quotaName } from '../../../core/names';
import type { ServiceRelease } from '../schema';
import { AnalysisTarget, describeChecks, postChecks, preChecks } from './checks';
import type { AnalysisSettings } from './schema';

/** What the analysis reads of a service's settings (its own part, and the size and objectives it checks against). */
export interface AnalysedService {
  readonly name: string;
  readonly servicePort?: number;
  readonly replicas: number;
  readonly autoscaling?: { readonly maxReplicas: number };
  readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string } };
  readonly slo?: { readonly availability?: { readonly objective: number } };
  readonly metrics?: { readonly statusLabel?: string };
  readonly analysis: AnalysisSettings;
}

export interface AnalysisEnvironment {
  /** The services' namespace, by name. */
  readonly namespace: string;
  readonly monitoringNamespace: string;
  readonly monitoring: { readonly enabled: boolean };
}

/** The checks of a service's next switch, or undefined when its release file says no switch. */
export function analysisPlan(env: AnalysisEnvironment, svc: AnalysedService, release: ServiceRelease) {
  if (release.phase !== 'switched' || release.skipAnalysis) return undefined;
  const target: AnalysisTarget = {
    service: svc.name,
    namespace: env.namespace,
    colour: release.live,
    replicas: svc.replicas,
    maxReplicas: svc.autoscaling?.maxReplicas,
    requests: svc.resources.requests,
    quotaName: quotaName(env.namespace),
    metrics: env.monitoring.enabled,
    availabilityObjective: svc.slo?.availability?.objective,
    statusLabel: svc.metrics?.statusLabel,
  };
  return { pre: preChecks(svc.analysis, target), post: postChecks(svc.analysis, target) };
}

/** What the live Service's annotation, the plan summary and `release status` say of a switch. */
export function promotionSummary(env: AnalysisEnvironment, svc: AnalysedService, release: ServiceRelease): string {
  if (release.skipAnalysis) return `without analysis: ${release.skipAnalysis.reason}`;
  const plan = analysisPlan(env, svc, release);
  if (!plan) return 'no switch';
  return `after analysis: ${describeChecks(plan.pre)}; then watched: ${describeChecks(plan.post)}`;
}
