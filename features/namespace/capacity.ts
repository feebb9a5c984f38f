/**
 * Checks that the namespace's LimitRange and ResourceQuota admit what the
 * environment's services need at their largest: both colours at full size
 * during a release, and the live colour at its HPA maximum. Kubernetes would
 * otherwise accept the plan and refuse the pods at apply time.
 */
import type { FieldIssue } from '../../core/errors';
import { cpuMillis, memoryBytes } from '../../core/quantities';

/** The shape these checks read (a subset of the validated settings). */
interface Sizing {
  readonly quota: {
    readonly requestsCpu: string;
    readonly requestsMemory: string;
    readonly limitsCpu: string;
    readonly limitsMemory: string;
    readonly pods: number;
  };
  readonly limitRange: Record<'defaultRequest' | 'default' | 'max', { readonly cpu: string; readonly memory: string }>;
  readonly services: readonly {
    readonly name: string;
    readonly replicas: number;
    readonly autoscaling?: { readonly maxReplicas: number };
    readonly resources: Record<'requests' | 'limits', { readonly cpu: string; readonly memory: string }>;
  }[];
}

const KINDS = [
  ['cpu', cpuMillis, (n: number) => `${n}m`],
  ['memory', memoryBytes, (n: number) => `${Math.ceil(n / 2 ** 20)}Mi`],
] as const;

/**
 * Pods one service may run at once: the live colour at its HPA maximum (or
 * its fixed size) plus the other colour at full size while a release is
 * staged or switched.
 */
export function peakPods(svc: Sizing['services'][number]): number {
  return Math.max(svc.autoscaling?.maxReplicas ?? svc.replicas, svc.replicas) + svc.replicas;
}

export function capacityIssues(env: Sizing): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const lr = env.limitRange;
  for (const [kind, parse] of KINDS) {
    if (parse(lr.defaultRequest[kind]) > parse(lr.default[kind])) {
      issues.push({
        path: ['limitRange', 'defaultRequest', kind],
        message: `must not exceed limitRange.default.${kind} (${lr.default[kind]})`,
      });
    }
    if (parse(lr.default[kind]) > parse(lr.max[kind])) {
      issues.push({
        path: ['limitRange', 'default', kind],
        message: `must not exceed limitRange.max.${kind} (${lr.max[kind]})`,
      });
    }
    env.services.forEach((svc, i) => {
      if (parse(svc.resources.limits[kind]) > parse(lr.max[kind])) {
        issues.push({
          path: ['services', i, 'resources', 'limits', kind],
          message: `exceeds limitRange.max.${kind} (${lr.max[kind]}): the namespace would refuse the pods`,
        });
      }
    });
  }

  const pods = env.services.reduce((sum, svc) => sum + peakPods(svc), 0);
  const breakdown = env.services.map((s) => `${s.name} ${peakPods(s)}`).join(', ');
  if (pods > env.quota.pods) {
    issues.push({
      path: ['quota', 'pods'],
      message: `(${env.quota.pods}) is below what the services need at their peak, ${pods} pods (${breakdown}: HPA maximum plus the other colour at full size)`,
    });
  }
  const quotaFields = {
    requests: { cpu: 'requestsCpu', memory: 'requestsMemory' },
    limits: { cpu: 'limitsCpu', memory: 'limitsMemory' },
  } as const;
  for (const side of ['requests', 'limits'] as const) {
    for (const [kind, parse, format] of KINDS) {
      const need = env.services.reduce((sum, svc) => sum + peakPods(svc) * parse(svc.resources[side][kind]), 0);
      const field = quotaFields[side][kind];
      if (need > parse(env.quota[field])) {
        issues.push({
          path: ['quota', field],
          message: `(${env.quota[field]}) is below the services' ${side}.${kind} at their peak, ${format(need)} for ${pods} pods`,
        });
      }
    }
  }
  return issues;
}
