import { LimitRangeV1 } from '@cdktf/provider-kubernetes/lib/limit-range-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ResourceQuotaV1 } from '@cdktf/provider-kubernetes/lib/resource-quota-v1';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { managedLabels } from '../../core/labels';
import { protectedLifecycle } from '../../core/protection';
import { quotaName } from '../../core/names';

/** Pod Security Admission levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface CpuMemory {
  readonly cpu: string;
  readonly memory: string;
}

export interface NamespaceQuota {
  readonly requestsCpu: string;
  readonly requestsMemory: string;
  readonly limitsCpu: string;
  readonly limitsMemory: string;
  readonly pods: number;
}

export interface NamespaceLimits {
  /** Requests given to a container that sets none. */
  readonly defaultRequest: CpuMemory;
  /** Limits given to a container that sets none. */
  readonly default: CpuMemory;
  /** The most one container may ask for. */
  readonly max: CpuMemory;
}

export interface NamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /**
   * Pod Security Admission level, enforced, audited and warned.
   * @default 'restricted'
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Level audited and warned when it is stricter than the enforced one, so
   * violations show up before they are enforced.
   * @default the `podSecurity` level
   */
  readonly podSecurityWarn?: PodSecurityLevel;
  /** ResourceQuota for the namespace. @default no quota */
  readonly quota?: NamespaceQuota;
  /** LimitRange for containers in the namespace. @default no LimitRange */
  readonly limits?: NamespaceLimits;
  /** Refuse destroy through Terraform (`prevent_destroy`). @default false */
  readonly protect?: boolean;
  /** Extra labels. @default none */
  readonly labels?: Record<string, string>;
}

/** A namespace with Pod Security Admission labels and, optionally, a quota and container limits. */
export class Namespace extends Construct {
  /** The namespace name, resolved after the namespace exists (so dependants wait for it). */
  public readonly namespaceName: string;
  /** The name as written (for values that must be plain, such as a Helm chart's schema-checked fields). */
  public readonly name: string;
  /** The namespace resource, for what must wait for it without naming it. */
  public readonly resource: ITerraformDependable;

  constructor(scope: Construct, id: string, props: NamespaceProps) {
    super(scope, id);
    const enforce = props.podSecurity ?? 'restricted';
    const warn = props.podSecurityWarn ?? enforce;
    const ns = new NamespaceV1(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...managedLabels(),
          ...props.labels,
          'pod-security.kubernetes.io/enforce': enforce,
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': warn,
          'pod-security.kubernetes.io/warn': warn,
        },
      },
      lifecycle: protectedLifecycle(props.protect ?? false),
    });
    this.namespaceName = ns.metadata.name;
    this.name = props.name;
    this.resource = ns;

    if (props.quota) {
      const q = props.quota;
      new ResourceQuotaV1(this, 'quota', {
        metadata: { name: quotaName(props.name), namespace: this.namespaceName, labels: managedLabels() },
        spec: {
          hard: {
            'requests.cpu': q.requestsCpu,
            'requests.memory': q.requestsMemory,
            'limits.cpu': q.limitsCpu,
            'limits.memory': q.limitsMemory,
            pods: String(q.pods),
          },
        },
      });
    }
    if (props.limits) {
      const l = props.limits;
      new LimitRangeV1(this, 'limits', {
        metadata: { name: `${props.name}-limits`, namespace: this.namespaceName, labels: managedLabels() },
        spec: {
          limit: [
            {
              type: 'Container',
              defaultRequest: { cpu: l.defaultRequest.cpu, memory: l.defaultRequest.memory },
              default: { cpu: l.default.cpu, memory: l.default.memory },
              max: { cpu: l.max.cpu, memory: l.max.memory },
            },
          ],
        },
      });
    }
  }
}
