import { DeploymentV1, DeploymentV1SpecTemplateSpecContainer } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { Colour } from '../../core/colours';
import { PropsError } from '../../core/errors';
import { versionLabel } from '../../core/image';
import { colourLabels, colourSelector } from '../../core/labels';
import { SERVICE_UID, colourName } from '../../core/names';
import { cpuMillis, memoryBytes } from '../../core/quantities';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../constructs/pod-security';

export interface HealthPaths {
  /** Liveness probe path. @default '/health/live' */
  readonly liveness?: string;
  /** Readiness probe path. @default '/health/ready' */
  readonly readiness?: string;
  /** Startup probe path. @default '/health/live' */
  readonly startup?: string;
}

export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Environment variables read from one Kubernetes Secret. */
export interface SecretEnv {
  /** Secret name. */
  readonly secretName: string;
  /** Environment variable name → key in the Secret. */
  readonly keys: Readonly<Record<string, string>>;
}

/** What both colours of a service share. */
export interface PodTemplateProps {
  /** Service name (the `app` label). */
  readonly service: string;
  readonly namespace: string;
  /** Port the container listens on (the environment's `containerPort`). */
  readonly containerPort: number;
  /** Probe paths. @default the server's /health/live and /health/ready */
  readonly health?: HealthPaths;
  readonly resources: ContainerResources;
  /** Plain environment variables. @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment variables from a Secret. @default none */
  readonly secretEnv?: SecretEnv;
  /** Pod annotations, e.g. a checksum that rolls pods when secrets change. @default none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** `app.kubernetes.io/part-of` label. @default none */
  readonly partOf?: string;
  /** Secrets with registry credentials for pulling the image. @default none (public pulls) */
  readonly imagePullSecrets?: readonly string[];
  /**
   * Seconds a stopping pod keeps serving the streams it holds: a `preStop`
   * sleep before SIGTERM (the pod already left the Service's endpoints, so
   * nothing new arrives), and the grace period 30 s longer for the server's
   * own shutdown. Sized to the routes' stream bound, every stream open when
   * the pod began to stop has ended by itself. Needs `sleep` in the image.
   * @default 0: SIGTERM at once, 30 s grace
   */
  readonly drainSeconds?: number;
}

export interface ColourDeploymentProps extends PodTemplateProps {
  readonly colour: Colour;
  /** Image reference, pinned by tag or digest. */
  readonly image: string;
  /** Replica count Terraform sets (only at creation once an autoscaler owns it, see `markHasAutoscaler`). */
  readonly replicas: number;
  /** Resources that must exist before this colour rolls out. @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/** Seconds the server has for its own shutdown after SIGTERM. */
const SHUTDOWN_SECONDS = 30;

const DEFAULT_HEALTH = { liveness: '/health/live', readiness: '/health/ready', startup: '/health/live' };

/** A workload whose replica count an autoscaler may own. */
export interface IScalable {
  /** apiVersion, kind and name of the workload, for the autoscaler's target. */
  readonly scaleTarget: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  /** Hands the replica count to an autoscaler: Terraform sets it at creation only. */
  markHasAutoscaler(): void;
}

/** Requests above limits: Kubernetes refuses such a container, so the props are refused first. */
function resourceProblems(resources: ContainerResources): { prop: string; detail: string } | undefined {
  for (const [kind, parse] of [
    ['cpu', cpuMillis],
    ['memory', memoryBytes],
  ] as const) {
    if (parse(resources.requests[kind]) > parse(resources.limits[kind])) {
      return {
        prop: `resources.requests.${kind}`,
        detail: `must not exceed limits.${kind} (${resources.limits[kind]})`,
      };
    }
  }
  return undefined;
}

/** The service's container: its image, port, environment, probes and the restricted profile. */
function serviceContainer(props: ColourDeploymentProps): DeploymentV1SpecTemplateSpecContainer {
  const health = { ...DEFAULT_HEALTH, ...props.health };
  const httpGet = (path: string) => ({ path, port: 'http' });
  return {
    name: props.service,
    image: props.image,
    // Re-pull on every start, so a re-pushed tag cannot run stale code.
    imagePullPolicy: 'Always',
    port: [{ name: 'http', containerPort: props.containerPort, protocol: 'TCP' }],
    env: [
      ...Object.entries(props.env ?? {}).map(([envName, value]) => ({ name: envName, value })),
      ...Object.entries(props.secretEnv?.keys ?? {}).map(([envName, key]) => ({
        name: envName,
        valueFrom: { secretKeyRef: { name: props.secretEnv!.secretName, key } },
      })),
    ],
    resources: { requests: { ...props.resources.requests }, limits: { ...props.resources.limits } },
    startupProbe: { httpGet: httpGet(health.startup), periodSeconds: 2, failureThreshold: 30 },
    livenessProbe: { httpGet: httpGet(health.liveness), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: { httpGet: httpGet(health.readiness), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
    securityContext: restrictedContainerSecurityContext(),
    volumeMount: [{ name: 'tmp', mountPath: '/tmp' }],
    lifecycle: props.drainSeconds
      ? { preStop: [{ exec: { command: ['sleep', String(props.drainSeconds)] } }] }
      : undefined,
  };
}

/** One colour of a blue/green service: its Deployment and PodDisruptionBudget. */
export class ColourDeployment extends Construct implements IScalable {
  public readonly deployment: DeploymentV1;
  /** Resolved Deployment name (a reference, so dependants wait for it). */
  public readonly deploymentName: string;
  public readonly scaleTarget: IScalable['scaleTarget'];

  constructor(scope: Construct, id: string, props: ColourDeploymentProps) {
    super(scope, id);
    const problem = resourceProblems(props.resources);
    if (problem) throw new PropsError(`ColourDeployment ${props.service}`, problem.prop, problem.detail);
    const name = colourName(props.service, props.colour);
    const selector = colourSelector(props.service, props.colour);
    const labels = colourLabels(props.service, props.colour, versionLabel(props.image), props.partOf);

    this.deployment = new DeploymentV1(this, 'deployment', {
      metadata: { name, namespace: props.namespace, labels },
      waitForRollout: true,
      dependsOn: props.dependsOn?.length ? props.dependsOn : undefined,
      timeouts: { create: '10m', update: '10m' },
      spec: {
        replicas: String(props.replicas),
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '0' } },
        template: {
          metadata: { labels, annotations: props.podAnnotations ? { ...props.podAnnotations } : undefined },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: (props.drainSeconds ?? 0) + SHUTDOWN_SECONDS,
            imagePullSecrets: props.imagePullSecrets?.map((name) => ({ name })),
            securityContext: restrictedPodSecurityContext(SERVICE_UID),
            topologySpreadConstraint: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((key) => ({
              maxSkew: 1,
              topologyKey: key,
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: [{ matchLabels: selector }],
            })),
            container: [serviceContainer(props)],
            // The root filesystem is read-only; /tmp is the one writable place.
            volume: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
          },
        },
      },
    });
    this.deploymentName = this.deployment.metadata.name;
    this.scaleTarget = { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deploymentName };

    // maxUnavailable rather than minAvailable: a colour kept at one replica
    // must not block node drains.
    new PodDisruptionBudgetV1(this, 'pdb', {
      metadata: { name, namespace: props.namespace, labels },
      spec: { maxUnavailable: '1', selector: { matchLabels: selector } },
    });
  }

  /**
   * The autoscaler owns the replica count after creation: `replicas` is used
   * only when the Deployment is created and Terraform ignores later drift, so
   * a plan after the autoscaler scaled shows no change.
   */
  public markHasAutoscaler(): void {
    this.deployment.lifecycle = { ...this.deployment.lifecycle, ignoreChanges: ['spec[0].replicas'] };
  }
}
