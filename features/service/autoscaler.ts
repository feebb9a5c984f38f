import { HorizontalPodAutoscalerV2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { PropsError } from '../../core/errors';
import type { IScalable } from './colour-deployment';

export interface ServiceAutoscalerProps {
  /** Object name of the HorizontalPodAutoscaler. */
  readonly name: string;
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The workload to scale; it is marked as autoscaled (Terraform stops setting its replicas). */
  readonly target: IScalable;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target average CPU utilization, percent of requests. @default 70 */
  readonly cpuUtilization?: number;
  /** Target average memory utilization, percent of requests. @default 80 */
  readonly memoryUtilization?: number;
  /** Seconds the HPA waits before scaling down. @default 300 */
  readonly scaleDownStabilizationSeconds?: number;
  /** What the autoscaler waits for, such as the switch of traffic to its target. @default none */
  readonly dependsOn?: ITerraformDependable[];
}

function checked(props: ServiceAutoscalerProps): ServiceAutoscalerProps {
  if (props.minReplicas < 1 || props.minReplicas > props.maxReplicas) {
    throw new PropsError(
      `ServiceAutoscaler ${props.name}`,
      'minReplicas',
      `must be at least 1 and at most maxReplicas (got ${props.minReplicas}..${props.maxReplicas})`,
    );
  }
  return props;
}

const utilization = (resource: string, averageUtilization: number) => ({
  type: 'Resource',
  resource: { name: resource, target: { type: 'Utilization', averageUtilization } },
});

/**
 * An HPA on CPU and memory for one scalable workload, which it marks as
 * autoscaled so Terraform never fights it over the replica count. Scales up
 * fast (doubling every 15 s) and down one pod a minute after the
 * stabilization window.
 */
export class ServiceAutoscaler extends HorizontalPodAutoscalerV2 {
  constructor(scope: Construct, id: string, props: ServiceAutoscalerProps) {
    const a = checked(props);
    super(scope, id, {
      dependsOn: a.dependsOn,
      metadata: { name: a.name, namespace: a.namespace, labels: a.labels ? { ...a.labels } : undefined },
      spec: {
        minReplicas: a.minReplicas,
        maxReplicas: a.maxReplicas,
        scaleTargetRef: { ...a.target.scaleTarget },
        metric: [utilization('cpu', a.cpuUtilization ?? 70), utilization('memory', a.memoryUtilization ?? 80)],
        behavior: {
          scaleDown: [
            {
              stabilizationWindowSeconds: a.scaleDownStabilizationSeconds ?? 300,
              selectPolicy: 'Max',
              policy: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
            },
          ],
          scaleUp: [
            {
              stabilizationWindowSeconds: 0,
              selectPolicy: 'Max',
              policy: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
            },
          ],
        },
      },
    });
    a.target.markHasAutoscaler();
  }
}
