/**
 * More than one service as a first-class case: a test environment with two
 * services of different ports, images and secrets.
 */
import { Testing } from 'cdktf';
import { validateAll } from '../environments/validate';
import { ENVIRONMENTS } from '../environments';
import { EnvironmentStack } from '../stacks/environment-stack';
import { EXAMPLE_ENVIRONMENTS } from '../environments/examples/two-services';
import { SynthJson, resourceNamed, resourcesOf } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('an environment with two services', () => {
  const [env] = validateAll(EXAMPLE_ENVIRONMENTS);
  const json: SynthJson = JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), env!)));

  it('validates beside the committed environments (it shares nothing with them)', () => {
    expect(() => validateAll([...ENVIRONMENTS, ...EXAMPLE_ENVIRONMENTS])).not.toThrow();
  });

  it('runs each service on its own port, image and Secret', () => {
    const container = (name: string) =>
      resourceNamed(json, 'kubernetes_deployment_v1', name).spec.template.spec.container[0];
    expect(container('mls-server-blue')).toMatchObject({
      image: 'ghcr.io/catbird/mls-server:1.4.2',
      port: [{ container_port: 3000 }],
    });
    expect(container('agent-manager-green')).toMatchObject({
      image: 'ghcr.io/catbird/agent-manager:0.9.0',
      port: [{ container_port: 8080 }],
      liveness_probe: { http_get: { path: '/livez' } },
    });
    expect(container('agent-manager-green').env).toContainEqual({
      name: 'API_TOKEN',
      value_from: { secret_key_ref: { name: 'agent-manager-secrets', key: 'api-token' } },
    });
    expect(resourcesOf(json, 'kubernetes_secret_v1')).toEqual([]);
    const config = JSON.parse(resourceNamed(json, 'helm_release', 'external-secrets-config').values[0]);
    expect(config.externalSecrets.map((e: any) => e.name).sort()).toEqual([
      'agent-manager-secrets',
      'alertmanager-slack',
      'grafana-admin',
      'mls-secrets',
      'mls-server-registry',
    ]);
  });

  it('admits traffic to each service on its own port', () => {
    const port = (app: string) =>
      resourceNamed(json, 'kubernetes_network_policy_v1', `allow-${app}-ingress`).spec.ingress[0].ports[0].port;
    expect([port('mls-server'), port('agent-manager')]).toEqual(['3000', '8080']);
  });

  it('gives each service its own alert rules', () => {
    const values = (name: string) =>
      JSON.parse(resourcesOf(json, 'helm_release').find((r) => r.name === name).values[0]);
    const alerts = (name: string) => values(name).groups[1].rules.map((r: any) => r.alert);
    // Only the service that uses the database gets the database alerts.
    expect(alerts('mls-server-mon')).toContain('MlsDatabaseConnectionFailures');
    expect(alerts('agent-manager-mon')).not.toContain('MlsDatabaseConnectionFailures');
    expect(alerts('agent-manager-mon')).not.toContain('MlsLowDiskSpace');
    expect(Object.keys(values('kube-prometheus-stack').additionalPrometheusRulesMap)).toEqual(['mls-cluster']);
  });

  it('gives each service its own SLOs, with no rule reading another service’s series', () => {
    const values = (name: string) =>
      JSON.parse(resourcesOf(json, 'helm_release').find((r) => r.name === name).values[0]);
    for (const [own, other] of [
      ['mls-server', 'agent-manager'],
      ['agent-manager', 'mls-server'],
    ]) {
      const groups = values(`${own}-mon`).groups;
      expect(groups.map((g: any) => g.name)).toEqual([`${own}.slo.rules`, `${own}.rules`]);
      const exprs = groups.flatMap((g: any) => g.rules.map((r: any) => r.expr as string));
      const sli = exprs.filter((e: string) => e.includes('http_request'));
      expect(sli.length).toBeGreaterThan(10);
      for (const e of sli) expect(e).toContain(`app="${own}"`);
      for (const e of exprs) expect(e).not.toContain(`app="${other}"`);
    }
  });
});
