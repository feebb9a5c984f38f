/**
 * The release analysis of a switch: when a service's release file says
 * `switched`, an analysis Job before the Service moves and one after it,
 * unless the file skips them for a reason it gives.
 */
import { Construct } from 'constructs';
import { releaseName } from '../../../core/image';
import { DEFAULT_SERVICE_PORT, previewName } from '../../../core/names';
import { PROMETHEUS } from '../../../core/promql';
import type { Promotion } from '../../../constructs/promotion';
import type { ServiceRelease } from '../schema';
import { AnalysedService, AnalysisEnvironment, analysisPlan, promotionSummary } from './plan';
import { ReleaseAnalysis } from './release-analysis';

/**
 * The promotion of a service in phase `switched`: the checks before and
 * after the Service moves (or, with `skipAnalysis`, none and the reason).
 * Undefined in the other phases: no switch, no analysis.
 */
export function promotionFor(
  env: AnalysisEnvironment,
  svc: AnalysedService,
  release: ServiceRelease,
  /** The namespace as a reference, so the Jobs wait for it. */
  namespace: string,
): Promotion | undefined {
  if (release.phase !== 'switched') return undefined;
  const summary = promotionSummary(env, svc, release);
  const plan = analysisPlan(env, svc, release);
  if (!plan) return { summary };
  const { image, stage } = release[release.live];
  const port = svc.servicePort ?? DEFAULT_SERVICE_PORT;
  const common = {
    service: svc.name,
    namespace,
    release: releaseName(image!),
    stage,
    prometheusUrl: PROMETHEUS.url(env.monitoringNamespace),
    requestTimeoutSeconds: svc.analysis.requestTimeoutSeconds,
  };
  return {
    summary,
    beforeSwitch: (scope: Construct, rollout) => {
      const pre = new ReleaseAnalysis(scope, 'analysis-pre', {
        ...common,
        when: 'pre',
        checks: plan.pre,
        targetUrl: `http://${previewName(svc.name)}.${env.namespace}.svc:${port}`,
        dependsOn: [rollout],
      });
      return { waitFor: [pre.job, pre.record], preconditions: [pre.precondition!] };
    },
    afterSwitch: (scope: Construct, service) => [
      new ReleaseAnalysis(scope, 'analysis-post', {
        ...common,
        when: 'post',
        checks: plan.post,
        targetUrl: `http://${svc.name}.${env.namespace}.svc:${port}`,
        dependsOn: [service],
      }).record,
    ],
  };
}
