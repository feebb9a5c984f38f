import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { COLOURS, Colour, otherColour } from '../../core/colours';
import { PropsError } from '../../core/errors';
import { COLOUR_LABEL, PROMOTION_ANNOTATION, colourSelector, serviceLabels } from '../../core/labels';
import { DEFAULT_SERVICE_PORT, colourName, previewName } from '../../core/names';
import type { Promotion } from '../../constructs/promotion';
import { ServiceAutoscaler, ServiceAutoscalerProps } from './autoscaler';
import { ColourDeployment, PodTemplateProps } from './colour-deployment';
import { ServiceIngress, ServiceIngressProps } from './service-ingress';

export interface ColourSpec {
  /** Image this colour runs. @default none: the colour has no Deployment */
  readonly image?: string;
  /** Replicas Terraform sets (for the live colour with an HPA, only at creation). */
  readonly replicas: number;
}

/** The live colour's autoscaler (ServiceAutoscaler's props less what the service knows). */
export type Autoscaling = Omit<ServiceAutoscalerProps, 'name' | 'namespace' | 'labels' | 'target' | 'dependsOn'>;

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
  /** Port the Services expose. @default DEFAULT_SERVICE_PORT (80) */
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
  /** The checks around a switch of traffic (the release analysis). @default the switch waits only for the rollout */
  readonly promotion?: Promotion;
}

/**
 * A service released blue/green: a Deployment per colour, a Service on the
 * live colour, a preview Service on the idle one, an HPA on the live colour
 * and an Ingress. Moving traffic is one change of `live`.
 *
 * Order within one apply: the live colour's dependencies (its snapshot) →
 * its rollout (`wait_for_rollout`) → the checks before the switch → the
 * Service selector switch → the checks after it → the idle colour's change
 * (so the old colour scales down only after traffic left).
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
  public readonly hpa?: ServiceAutoscaler;
  public readonly ingress?: ServiceIngress;

  constructor(scope: Construct, id: string, props: BlueGreenServiceProps) {
    super(scope, id);
    validate(props);
    const { service: name, live } = props;
    const idle = otherColour(live);
    const labels = serviceLabels(name, props.partOf);
    const servicePort = props.servicePort ?? DEFAULT_SERVICE_PORT;

    const liveColour = this.addColour(props, live);
    const gate = props.promotion?.beforeSwitch?.(this, liveColour.deployment) ?? { waitFor: [], preconditions: [] };
    this.service = this.addService(
      'service',
      name,
      props,
      live,
      servicePort,
      [liveColour.deployment, ...gate.waitFor],
      props.promotion && { [PROMOTION_ANNOTATION]: props.promotion.summary },
    );
    // Traffic moves only after the live colour rolled out, and only if it
    // runs at full size: with an HPA its replica count comes from the
    // cluster (ignore_changes), so a colour that was never staged at full
    // size would otherwise take traffic on one pod.
    this.service.addOverride('lifecycle.precondition', [
      {
        condition: `\${tonumber(${liveColour.deployment.fqn}.spec[0].replicas) >= ${props.fullReplicas}}`,
        error_message: `${colourName(name, live)} must run at least ${props.fullReplicas} replicas before traffic moves to it: stage it at full size and apply that first.`,
      },
      ...gate.preconditions,
    ]);
    const watched = props.promotion?.afterSwitch?.(this, this.service) ?? [];
    // The preview moves after the live Service: a switch stopped by its analysis leaves both where they were.
    this.previewService = this.addService('preview', previewName(name), props, idle, servicePort, [this.service]);
    if (props[idle].image) this.addColour(props, idle, [this.service, ...watched]);
    this.serviceName = this.service.metadata.name;
    this.previewServiceName = this.previewService.metadata.name;

    if (props.autoscaling) {
      this.hpa = new ServiceAutoscaler(this, 'hpa', {
        ...props.autoscaling,
        name,
        namespace: props.namespace,
        labels,
        target: liveColour,
        // It follows the traffic: a switch stopped by its analysis leaves it on the old colour.
        dependsOn: [this.service],
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
    annotations?: Record<string, string>,
  ) {
    return new ServiceV1(this, id, {
      dependsOn,
      // The colour it selects as a label too: kube-state-metrics exports it (the dashboard's traffic markers).
      metadata: {
        name,
        namespace: props.namespace,
        labels: { ...serviceLabels(props.service, props.partOf), [COLOUR_LABEL]: colour },
        annotations,
      },
      spec: {
        type: 'ClusterIP',
        selector: colourSelector(props.service, colour),
        port: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  }
}

function validate(props: BlueGreenServiceProps): void {
  const fail = (prop: string, detail: string) => {
    throw new PropsError(`BlueGreenService ${props.service}`, prop, detail);
  };
  if (!COLOURS.includes(props.live)) fail('live', `must be blue or green (got "${props.live}")`);
  const live = props[props.live];
  if (!live.image) fail(`${props.live}.image`, `is required: the live colour "${props.live}" has no image`);
  if (live.replicas < Math.max(1, props.fullReplicas)) {
    fail(
      `${props.live}.replicas`,
      `must be at least ${Math.max(1, props.fullReplicas)}: the live colour runs at full size (got ${live.replicas})`,
    );
  }
  const idle = otherColour(props.live);
  if (props[idle].replicas > 0 && !props[idle].image) {
    fail(`${idle}.image`, `is required: colour "${idle}" has replicas but no image`);
  }
  const a = props.autoscaling;
  // An impossible range is ServiceAutoscaler's to report.
  if (!a || a.minReplicas > a.maxReplicas) return;
  const range = `${a.minReplicas}..${a.maxReplicas}`;
  if (props.fullReplicas < a.minReplicas || props.fullReplicas > a.maxReplicas) {
    fail('fullReplicas', `(${props.fullReplicas}) must be within the autoscaling range ${range}`);
  }
  if (live.replicas > a.maxReplicas) {
    fail(`${props.live}.replicas`, `(${live.replicas}) must be within the autoscaling range ${range}`);
  }
}
