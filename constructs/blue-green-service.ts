import { HorizontalPodAutoscalerV2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { COLOURS, Colour, otherColour } from './colours';
import { ColourDeployment, PodTemplateProps } from './colour-deployment';
import { colourSelector, serviceLabels } from './labels';
import { PropsError } from './props-error';
import { ServiceIngress, ServiceIngressProps } from './service-ingress';

export interface ColourSpec {
  /** Image this colour runs. @default none: the colour has no Deployment */
  readonly image?: string;
  /** Replicas Terraform sets (for the live colour with an HPA, only at creation). */
  readonly replicas: number;
}

export interface Autoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target average CPU utilization, percent of requests. @default 70 */
  readonly cpuUtilization?: number;
  /** Target average memory utilization, percent of requests. @default 80 */
  readonly memoryUtilization?: number;
  /** Seconds the HPA waits before scaling down. @default 300 */
  readonly scaleDownStabilizationSeconds?: number;
}

/** The service's edge: ServiceIngress's props less what the service itself knows. */
export type IngressSpec = Omit<
  ServiceIngressProps,
  'service' | 'namespace' | 'liveBackend' | 'previewBackend' | 'partOf'
>;

export interface BlueGreenServiceProps extends PodTemplateProps {
  /** The colour that receives traffic. */
  readonly live: Colour;
  readonly blue: ColourSpec;
  readonly green: ColourSpec;
  /**
   * Replicas the live colour must run before traffic moves to it. The
   * Service carries a precondition on it, so a switch to a colour that was
   * not staged at full size fails at plan time instead of moving traffic.
   */
  readonly fullReplicas: number;
  /** Port the Services expose. @default 80 */
  readonly servicePort?: number;
  /** HPA on the live colour. @default no autoscaling */
  readonly autoscaling?: Autoscaling;
  /** The public routes and the private preview host (ServiceIngress). @default no Ingress */
  readonly ingress?: IngressSpec;
  /**
   * Resources a colour's rollout must wait for, such as the pre-deploy
   * database snapshot of its release. @default none
   */
  readonly colourDependencies?: Partial<Record<Colour, ITerraformDependable[]>>;
}

/**
 * A service released blue/green: a Deployment per colour, a Service on the
 * live colour, a preview Service on the idle one, an HPA on the live colour
 * and an Ingress. Moving traffic is one change of `live`.
 *
 * Order within one apply: the live colour's dependencies (its snapshot) →
 * its rollout (`wait_for_rollout`) → the Service selector switch → the idle
 * colour's change (so the old colour scales down only after traffic left).
 */
export class BlueGreenService extends Construct {
  /** Name of the Service that selects the live colour. */
  public readonly serviceName: string;
  /** Name of the Service that selects the idle colour. */
  public readonly previewServiceName: string;
  /** The colour Deployments that exist (a colour with no image has none). */
  public readonly colours: Partial<Record<Colour, ColourDeployment>> = {};
  public readonly service: ServiceV1;
  public readonly previewService: ServiceV1;
  public readonly hpa?: HorizontalPodAutoscalerV2;
  public readonly ingress?: ServiceIngress;

  constructor(scope: Construct, id: string, props: BlueGreenServiceProps) {
    super(scope, id);
    validate(props);
    const { service: name, live } = props;
    const idle = otherColour(live);
    const labels = serviceLabels(name, props.partOf);
    const servicePort = props.servicePort ?? 80;

    const liveColour = this.addColour(props, live);
    this.service = this.addService('service', name, props, live, servicePort, [liveColour.deployment]);
    // Traffic moves only after the live colour rolled out, and only if it
    // runs at full size: with an HPA its replica count comes from the
    // cluster (ignore_changes), so a colour that was never staged at full
    // size would otherwise take traffic on one pod.
    this.service.addOverride('lifecycle.precondition', [
      {
        condition: `\${tonumber(${liveColour.deployment.fqn}.spec[0].replicas) >= ${props.fullReplicas}}`,
        error_message: `${name}-${live} must run at least ${props.fullReplicas} replicas before traffic moves to it: stage it at full size and apply that first.`,
      },
    ]);
    this.previewService = this.addService('preview', `${name}-preview`, props, idle, servicePort);
    if (props[idle].image) this.addColour(props, idle, [this.service]);
    this.serviceName = this.service.metadata.name;
    this.previewServiceName = this.previewService.metadata.name;

    if (props.autoscaling) {
      const a = props.autoscaling;
      const utilization = (resource: string, averageUtilization: number) => ({
        type: 'Resource',
        resource: { name: resource, target: { type: 'Utilization', averageUtilization } },
      });
      this.hpa = new HorizontalPodAutoscalerV2(this, 'hpa', {
        metadata: { name, namespace: props.namespace, labels },
        spec: {
          minReplicas: a.minReplicas,
          maxReplicas: a.maxReplicas,
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: liveColour.deploymentName },
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
    }

    if (props.ingress) {
      this.ingress = new ServiceIngress(this, 'ingress', {
        ...props.ingress,
        service: name,
        namespace: props.namespace,
        partOf: props.partOf,
        liveBackend: this.serviceName,
        previewBackend: this.previewServiceName,
      });
    }
  }

  private addColour(
    props: BlueGreenServiceProps,
    colour: Colour,
    after: ITerraformDependable[] = [],
  ): ColourDeployment {
    const spec = props[colour];
    const deployment = new ColourDeployment(this, colour, {
      ...props,
      colour,
      image: spec.image!,
      replicas: spec.replicas,
      autoscaled: colour === props.live && props.autoscaling !== undefined,
      dependsOn: [...(props.colourDependencies?.[colour] ?? []), ...after],
    });
    this.colours[colour] = deployment;
    return deployment;
  }

  private addService(
    id: string,
    name: string,
    props: BlueGreenServiceProps,
    colour: Colour,
    port: number,
    dependsOn?: ITerraformDependable[],
  ) {
    return new ServiceV1(this, id, {
      dependsOn,
      metadata: { name, namespace: props.namespace, labels: serviceLabels(props.service, props.partOf) },
      spec: {
        type: 'ClusterIP',
        selector: colourSelector(props.service, colour),
        port: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  }
}

function validate(props: BlueGreenServiceProps): void {
  const id = `BlueGreenService ${props.service}`;
  if (!COLOURS.includes(props.live)) throw new PropsError(id, 'live', `must be blue or green (got "${props.live}")`);
  const live = props[props.live];
  if (!live.image) throw new PropsError(id, `${props.live}.image`, 'is required: the live colour has no image');
  if (live.replicas < 1) throw new PropsError(id, `${props.live}.replicas`, 'must be at least 1 for the live colour');
  if (live.replicas < props.fullReplicas) {
    throw new PropsError(id, `${props.live}.replicas`, `must be at least fullReplicas (${props.fullReplicas})`);
  }
  const a = props.autoscaling;
  if (a && (a.minReplicas < 1 || a.minReplicas > a.maxReplicas)) {
    throw new PropsError(
      id,
      'autoscaling',
      `needs 1 <= minReplicas <= maxReplicas (got ${a.minReplicas}..${a.maxReplicas})`,
    );
  }
}
