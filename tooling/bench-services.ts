/**
 * Benchmark helper: synthesizes production with N generated services
 * (copies of its first service) into $CDKTF_OUTDIR, to show how synth grows.
 */
import { ENVIRONMENTS } from '../environments';
import { environmentName } from '../environments/validate';
import { synthesize } from '../stacks/app';

/* eslint-disable @typescript-eslint/no-explicit-any -- edits raw copies of an environment file */
export function main(args: readonly string[]): number {
  const count = Number(args[0]);
  const production = ENVIRONMENTS.find((e) => environmentName(e.settings) === 'production')!;
  const settings = structuredClone(production.settings) as any;
  const release = structuredClone(production.release) as any;
  const [service] = settings.services;
  const [serviceRelease] = Object.values(release.services);
  settings.services = [];
  release.services = {};
  // No service has a public edge, so Grafana has none either (its certificate's issuer is a service's).
  delete settings.monitoring.grafanaHost;
  for (let i = 1; i <= count; i++) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    const copy = structuredClone(service);
    // Each copy has its own Secret (the first keeps the backup job's) and no public edge.
    const secret = i === 1 ? copy.secret : { ...copy.secret, name: `${name}-secrets` };
    settings.services.push({ ...copy, name, secret, ingress: undefined, did: undefined });
    release.services[name] = structuredClone(serviceRelease);
  }
  settings.quota = {
    ...settings.quota,
    pods: 100000,
    requestsCpu: '100000',
    limitsCpu: '100000',
    requestsMemory: '100000Gi',
    limitsMemory: '100000Gi',
  };
  return synthesize([{ settings, release }], { outdir: process.env.CDKTF_OUTDIR });
}
