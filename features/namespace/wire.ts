/**
 * The environment's namespaces: the services' (restricted, with its quota
 * and container limits) and the monitoring stack's.
 */
import { Construct } from 'constructs';
import { Namespace, NamespaceLimits, NamespaceQuota } from './namespace';

interface NamespaceSettings {
  readonly name: string;
  readonly namespace: string;
  readonly monitoringNamespace: string;
  readonly protect: boolean;
  readonly quota: NamespaceQuota;
  readonly limitRange: NamespaceLimits;
}

export function addServiceNamespace(scope: Construct, env: NamespaceSettings): Namespace {
  return new Namespace(scope, 'service-namespace', {
    name: env.namespace,
    quota: env.quota,
    limits: env.limitRange,
    protect: env.protect,
    labels: { environment: env.name },
  });
}

/**
 * node-exporter needs host namespaces and hostPath mounts, which only the
 * privileged level admits; audit and warn at baseline so anything else that
 * needs more than baseline is visible.
 */
export function addMonitoringNamespace(scope: Construct, env: NamespaceSettings): Namespace {
  return new Namespace(scope, 'monitoring-namespace', {
    name: env.monitoringNamespace,
    podSecurity: 'privileged',
    podSecurityWarn: 'baseline',
    protect: env.protect,
    labels: { environment: env.name },
  });
}
