import { DataKubernetesIngressV1 } from '@cdktf/provider-kubernetes/lib/data-kubernetes-ingress-v1';
import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { Construct } from 'constructs';
import { TerraformData } from '../../constructs/terraform-data';
import { GATEWAY_API_V1 } from './gateway-api';
import type { EdgeStep } from './schema';

/** What each step serves, and what comes next: the plan summary prints it. */
export const STEP_LINES: Record<EdgeStep, { readonly serves: string; readonly next: string }> = {
  ingress: {
    serves: 'ingress-nginx Ingress objects only',
    next: 'set edge.serve to "both" to add the Gateway beside them',
  },
  both: {
    serves: 'the Ingress objects and the Gateway API routes, side by side',
    next: 'move DNS (or the load balancer) to the Gateway’s address, then set edge.serve to "gateway"',
  },
  gateway: {
    serves: 'the Gateway API routes only',
    next: 'none: the move is done',
  },
};

export interface EdgeStepProps {
  readonly step: EdgeStep;
  /** Namespace of the services' Ingress objects and routes. */
  readonly namespace: string;
  /** Names of the Ingress objects the earlier steps made there (`serviceIngressNames` of each service). */
  readonly ingressNames: readonly string[];
  /** The Gateway the routes attach to. */
  readonly gateway: { readonly name: string; readonly namespace: string };
}

/** A condition true when the objects all carry condition `type` = True (at `path`, a status list). */
const allTrue = (objects: string, conditions: string, type: string) =>
  `alltrue([for o in ${objects} : anytrue([for c in try(${conditions}, []) : c.type == "${type}" && c.status == "True"])])`;

/**
 * The step of the move to the Gateway API, as a resource the plan shows
 * (`terraform_data`, input: the step and what it serves). At `gateway`, it
 * refuses a plan that would delete Ingress objects still in the cluster
 * unless the Gateway is Programmed and every route of the namespace is
 * Accepted by it: the old edge goes only after the new one answers. A new
 * environment, with no Ingress, starts at `gateway` freely.
 *
 * The Ingress objects are looked up by name, one typed read each: a list
 * (`kubernetes_resources`) would read and parse the cluster's whole OpenAPI
 * document on every plan, about 1 s, long after the move is done. The
 * Gateway and its routes are listed so only while an Ingress remains.
 */
export class EdgeStepGuard extends Construct {
  public readonly record: TerraformData;

  constructor(scope: Construct, id: string, props: EdgeStepProps) {
    super(scope, id);
    const input = { step: props.step, ...STEP_LINES[props.step] };
    this.record = new TerraformData(this, 'step', { input });
    if (props.step !== 'gateway') return;

    // A missing Ingress reads as no error and a null spec.
    const live = props.ingressNames.map((name) => {
      const ingress = new DataKubernetesIngressV1(this, `ingress-${name}`, {
        metadata: { name, namespace: props.namespace },
      });
      return `length(${ingress.fqn}.spec == null ? [] : ${ingress.fqn}.spec) > 0`;
    });
    const anyLive = `anytrue([${live.join(', ')}])`;
    // Read only while Ingress objects remain: a cluster that never had the Gateway API CRDs needs no check.
    const some = `${anyLive} ? 1 : 0`;
    const gateway = new DataKubernetesResources(this, 'gateway', {
      apiVersion: GATEWAY_API_V1,
      kind: 'Gateway',
      namespace: props.gateway.namespace,
      fieldSelector: `metadata.name=${props.gateway.name}`,
    });
    // Every route of the namespace: Helm labels the ones it installs as its own (managed-by=Helm).
    const routes = new DataKubernetesResources(this, 'routes', {
      apiVersion: GATEWAY_API_V1,
      kind: 'HTTPRoute',
      namespace: props.namespace,
    });
    for (const d of [gateway, routes]) d.addOverride('count', `\${${some}}`);
    const answers = [
      `length(${gateway.fqn}[0].objects) == 1`,
      allTrue(`${gateway.fqn}[0].objects`, 'o.status.conditions', 'Programmed'),
      `length(${routes.fqn}[0].objects) > 0`,
      allTrue(`${routes.fqn}[0].objects`, 'flatten([for p in o.status.parents : p.conditions])', 'Accepted'),
    ].join(' && ');
    this.record.addOverride('lifecycle.precondition', [
      {
        condition: `\${!${anyLive} || try(${answers}, false)}`,
        error_message: `The Ingress objects of ${props.namespace} go only after the Gateway ${props.gateway.namespace}/${props.gateway.name} answers: it must be Programmed and every route Accepted (kubectl get gateway,httproute -n ${props.namespace}). Apply edge.serve "both" first, move DNS to the Gateway, then this step.`,
      },
    ]);
  }
}
