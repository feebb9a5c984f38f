/**
 * The edge on the Gateway API: the routes and policies the stacks
 * synthesize, the guarantees `edgeProblems` holds them to (planted routes
 * that break each one), the steps of the move from Ingress objects, and the
 * drain of a stopping pod sized from the stream bound.
 */
import { Testing } from 'cdktf';
import { edgeProblems, EdgeExpectations, isBound } from '../features/edge/checks';
import { Edge } from '../features/edge/edge';
import { KubeObject, PUBLIC_PATHS, ServiceEdge } from '../features/edge/gateway-api';
import { edgeNamespaces } from '../features/edge/schema';
import { PropsError } from '../core/errors';
import { ENV_NAMES, configIssues, environment, resourcesOf, synthJson, synthString, values } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized objects */
const stepRecord = (json: ReturnType<typeof synthJson>): any =>
  resourcesOf(json, 'terraform_data').find((r) => r.input?.step);
const objectsOf = (json: ReturnType<typeof synthJson>): KubeObject[] => values(json, 'edge').objects;
const named = (objects: readonly KubeObject[], kind: string, name: string): any =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

/** What the committed environment expects of its edge. */
function expectations(name: string): EdgeExpectations {
  const env = environment(name);
  return {
    wholeHosts: env.monitoring.grafanaHost ? [env.monitoring.grafanaHost] : [],
    previewHosts: Object.fromEntries(
      env.services.flatMap((s) => (s.ingress ? [[s.ingress.previewHost, s.ingress.previewAllowedCidrs]] : [])),
    ),
  };
}

/** Each (host, path type, path) → the Service it goes to, over every proxying route. */
function routing(objects: readonly KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'HTTPRoute')
    .flatMap((r: any) =>
      r.spec.rules
        .filter((rule: any) => rule.backendRefs)
        .flatMap((rule: any) =>
          r.spec.hostnames.flatMap((h: string) =>
            (rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }]).map(
              (m: any) => `${h} ${m.path.type} ${m.path.value} → ${rule.backendRefs.map((b: any) => b.name).join(',')}`,
            ),
          ),
        ),
    )
    .sort();
}

describe.each(ENV_NAMES)('%s edge on the Gateway API', (name) => {
  const json = synthJson(name);
  const env = environment(name);
  const svc = env.services[0]!;
  const ingress = svc.ingress!;
  const objects = objectsOf(json);

  it('ends the move: the committed file serves the Gateway API only, no Ingress, no nginx annotation', () => {
    expect(env.edge.serve).toBe('gateway');
    expect(resourcesOf(json, 'kubernetes_ingress_v1')).toEqual([]);
    expect(synthString(name)).not.toContain('nginx.ingress.kubernetes.io');
  });

  it('holds every guarantee: only public paths, each once, stream bounds, HSTS, the preview restricted', () => {
    expect(edgeProblems(objects, expectations(name))).toEqual([]);
  });

  it('routes exactly the public paths, each once, never / or /metrics of a service', () => {
    const grafana = env.monitoring.grafanaHost
      ? [`${env.monitoring.grafanaHost} PathPrefix / → kube-prometheus-stack-grafana`]
      : [];
    expect(routing(objects)).toEqual(
      [
        `${ingress.host} Exact /.well-known/did.json → mls-server-did`,
        `${ingress.host} Exact /health → mls-server`,
        `${ingress.host} PathPrefix /xrpc → mls-server`,
        `${ingress.previewHost} Exact /health → mls-server-preview`,
        `${ingress.previewHost} PathPrefix /xrpc → mls-server-preview`,
        ...grafana,
      ].sort(),
    );
  });

  it('bounds every XRPC stream (an hour, the seeds’ timeout) and keeps idle streams open as long', () => {
    for (const route of ['mls-server-xrpc', 'mls-server-preview']) {
      const xrpc = named(objects, 'HTTPRoute', route).spec.rules.find(
        (r: any) => r.matches[0].path.value === PUBLIC_PATHS.xrpc.value,
      );
      expect(xrpc.timeouts).toEqual({ request: '3600s', backendRequest: '3600s' });
    }
    const policy = named(objects, 'BackendTrafficPolicy', 'mls-server-streams');
    expect(policy.spec.targetRefs.map((t: any) => t.name)).toEqual(['mls-server-xrpc', 'mls-server-preview']);
    expect(policy.spec.timeout).toEqual({
      tcp: { connectTimeout: '60s' },
      http: { streamIdleTimeout: '3600s', maxStreamDuration: '3600s' },
    });
    // The listener's own default (5 minutes) would cut an idle stream first.
    expect(named(objects, 'ClientTrafficPolicy', 'edge').spec.timeout.http.streamIdleTimeout).toBe('3600s');
    // Nothing buffers: Envoy streams unless a policy says requestBuffer.
    expect(synthString(name)).not.toContain('requestBuffer');
  });

  it('answers the preview host only from its allow-list', () => {
    const policy = named(objects, 'SecurityPolicy', 'mls-server-preview');
    expect(policy.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'mls-server-preview' }],
      authorization: {
        defaultAction: 'Deny',
        rules: [
          { name: 'preview-allow-list', action: 'Allow', principal: { clientCIDRs: ingress.previewAllowedCidrs } },
        ],
      },
    });
  });

  it('terminates TLS per host with cert-manager’s certificate, redirects port 80, and sends HSTS', () => {
    const gateway = named(objects, 'Gateway', 'edge');
    expect(gateway.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': ingress.clusterIssuer });
    const https = gateway.spec.listeners.filter((l: any) => l.protocol === 'HTTPS');
    expect(https.map((l: any) => [l.hostname, l.tls.certificateRefs[0].name])).toEqual([
      [ingress.host, ingress.tlsSecretName],
      [ingress.previewHost, `${ingress.tlsSecretName}-preview`],
      ...(env.monitoring.grafanaHost ? [[env.monitoring.grafanaHost, 'grafana-tls']] : []),
    ]);
    const redirect = named(objects, 'HTTPRoute', 'edge-https-redirect');
    expect(redirect.spec.parentRefs[0].sectionName).toBe('http');
    expect(redirect.spec.rules).toEqual([
      { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
    ]);
    const hsts = named(objects, 'HTTPRoute', 'mls-server-public').spec.rules[0].filters[0];
    expect(hsts.responseHeaderModifier.set).toEqual([
      { name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' },
    ]);
  });

  it('installs the pinned Envoy Gateway before the routes, and admits its proxies to the services', () => {
    const releases = resourcesOf(json, 'helm_release');
    const controller = releases.find((r) => r.name === 'envoy-gateway');
    expect([controller.repository, controller.chart, controller.version]).toEqual([
      'oci://docker.io/envoyproxy',
      'gateway-helm',
      'v1.9.1',
    ]);
    const edge = releases.find((r) => r.name === 'edge');
    expect(edge.depends_on).toContain('helm_release.edge_envoy-gateway_controller_02CAE546');
    expect(edgeNamespaces(env.edge, env.ingressNamespace)).toContain('envoy-gateway-system');
  });

  it('drains a stopping pod for the stream bound before SIGTERM', () => {
    for (const d of resourcesOf(json, 'kubernetes_deployment_v1').filter((x) =>
      /-(blue|green)$/.test(x.metadata.name),
    )) {
      const pod = d.spec.template.spec;
      expect(pod.termination_grace_period_seconds).toBe(3630);
      expect(pod.container[0].lifecycle.pre_stop[0].exec.command).toEqual(['sleep', '3600']);
    }
  });
});

describe('planted routes are refused, each for what it breaks', () => {
  const name = 'production';
  const base = () => structuredClone(objectsOf(synthJson(name))) as any[];
  const route = (objects: any[], n: string) => objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === n);
  const problems = (objects: any[]) => edgeProblems(objects, expectations(name));

  it('a route that exposes /metrics', () => {
    const objects = base();
    route(objects, 'mls-server-public').spec.rules.push({
      matches: [{ path: { type: 'PathPrefix', value: '/metrics' } }],
      backendRefs: [{ name: 'mls-server', port: 80 }],
      filters: route(objects, 'mls-server-public').spec.rules[0].filters,
    });
    expect(problems(objects)).toEqual([
      'production/mls-server-public routes PathPrefix /metrics on mls.catbird.blue: only /xrpc, /health, /.well-known/did.json are public (never / or /metrics)',
    ]);
  });

  it('a rule with no match, which is /', () => {
    const objects = base();
    delete route(objects, 'mls-server-public').spec.rules[0].matches;
    expect(problems(objects)).toEqual([
      'production/mls-server-public routes PathPrefix / on mls.catbird.blue: only /xrpc, /health, /.well-known/did.json are public (never / or /metrics)',
    ]);
  });

  it('an XRPC route without a stream timeout, or with "0s", or with no policy keeping idle streams', () => {
    const objects = base();
    delete route(objects, 'mls-server-xrpc').spec.rules[0].timeouts;
    route(objects, 'mls-server-preview').spec.rules[0].timeouts.request = '0s';
    expect(problems(objects)).toEqual([
      'production/mls-server-xrpc carries XRPC without a stream timeout (timeouts.request): a release could not know when its streams end',
      'production/mls-server-preview carries XRPC without a stream timeout (timeouts.request): a release could not know when its streams end',
    ]);
    const noPolicy = base().filter((o) => o.kind !== 'BackendTrafficPolicy');
    expect(problems(noPolicy)).toHaveLength(2);
    expect(problems(noPolicy)[0]).toContain('no BackendTrafficPolicy setting streamIdleTimeout and maxStreamDuration');
  });

  it('the preview host without its SecurityPolicy, or allowing other CIDRs', () => {
    const withoutPolicy = base().filter((o) => o.kind !== 'SecurityPolicy');
    expect(problems(withoutPolicy)).toEqual([
      'production/mls-server-preview serves the preview host preview.mls.catbird.blue without a SecurityPolicy that denies all but 10.100.0.0/16',
    ]);
    const widened = base();
    widened
      .find((o) => o.kind === 'SecurityPolicy')
      .spec.authorization.rules[0].principal.clientCIDRs.push('0.0.0.0/0');
    expect(problems(widened)).toHaveLength(1);
  });

  it('a path routed twice, a route without hostnames, a rule without HSTS', () => {
    const objects = base();
    const twice = structuredClone(route(objects, 'mls-server-public'));
    twice.metadata.name = 'mls-server-public-again';
    objects.push(twice);
    delete route(objects, 'grafana').spec.rules[0].filters;
    expect(problems(objects)).toEqual([
      'monitoring/grafana answers without HSTS (Strict-Transport-Security)',
      'production/mls-server-public-again routes Exact /health on mls.catbird.blue, which production/mls-server-public already routes',
      'production/mls-server-public-again routes Exact /.well-known/did.json on mls.catbird.blue, which production/mls-server-public already routes',
    ]);
    delete route(objects, 'grafana').spec.hostnames;
    expect(problems(objects)).toContain('monitoring/grafana names no hostname: it would answer every host');
  });

  it('an empty allow-list admits nobody: a SecurityPolicy with no Allow rule', () => {
    const json = synthJson('production', (s) => {
      s.edge = { ...s.edge, serve: 'gateway' };
      s.services[0].ingress.previewAllowedCidrs = [];
    });
    const policy = named(objectsOf(json), 'SecurityPolicy', 'mls-server-preview');
    expect(policy.spec.authorization).toEqual({ defaultAction: 'Deny' });
    const objects = objectsOf(json) as any[];
    objects.find((o) => o.kind === 'SecurityPolicy').spec.authorization.defaultAction = 'Allow';
    expect(edgeProblems(objects, { wholeHosts: [], previewHosts: { 'preview.mls.catbird.blue': [] } })).toContain(
      'production/mls-server-preview serves the preview host preview.mls.catbird.blue without a SecurityPolicy that denies all',
    );
  });

  it('the Edge construct refuses them before writing anything', () => {
    const service: ServiceEdge = {
      service: 'api',
      namespace: 'apps',
      host: 'api.example.com',
      previewHost: 'preview.api.example.com',
      previewAllowedCidrs: ['10.0.0.0/8'],
      tlsSecretName: 'api-tls',
      live: { name: 'api', port: 80 },
      timeouts: { connect: 60, idle: 3600, stream: 3600 },
    };
    // A service whose XRPC stream bound is 0: no bound at all.
    const build = () =>
      Testing.synthScope((scope) => {
        new Edge(scope, 'edge', {
          namespace: 'apps',
          install: { controllerNamespace: 'envoy-gateway-system', clusterIssuer: 'letsencrypt-prod' },
          services: [{ ...service, timeouts: { ...service.timeouts, stream: 0 } }],
        });
      });
    expect(build).toThrow(PropsError);
    expect(build).toThrow(/apps\/api-xrpc carries XRPC without a stream timeout/);
  });
});

describe('the move from Ingress objects, step by step', () => {
  const step = (serve: string) => (s: any) => (s.edge = { ...s.edge, serve });
  const nginxAnnotation = 'nginx.ingress.kubernetes.io';

  it('ingress: the Ingress objects only, nothing of the Gateway, ingress-nginx admitted', () => {
    const json = synthJson('production', step('ingress'));
    expect(
      resourcesOf(json, 'kubernetes_ingress_v1')
        .map((i) => i.metadata.name)
        .sort(),
    ).toEqual(['mls-server-preview', 'mls-server-public', 'mls-server-xrpc']);
    expect(resourcesOf(json, 'helm_release').map((r) => r.name)).not.toContain('edge');
    expect(values(json, 'kube-prometheus-stack').grafana.ingress.enabled).toBe(true);
    expect(stepRecord(json).input.step).toBe('ingress');
  });

  it('both: the Ingress objects and the routes side by side, both proxies admitted', () => {
    const json = synthJson('production', step('both'));
    expect(resourcesOf(json, 'kubernetes_ingress_v1')).toHaveLength(3);
    expect(objectsOf(json).filter((o) => o.kind === 'HTTPRoute')).toHaveLength(5);
    const from = (p: any) => p.spec.ingress[0].from.map((f: any) => f.namespace_selector?.match_labels);
    const policy = resourcesOf(json, 'kubernetes_network_policy_v1').find(
      (p) => p.metadata.name === 'allow-mls-server-ingress',
    );
    expect(from(policy).slice(0, 2)).toEqual([
      { 'kubernetes.io/metadata.name': 'ingress-nginx' },
      { 'kubernetes.io/metadata.name': 'envoy-gateway-system' },
    ]);
  });

  it('gateway: no Ingress object and no nginx annotation anywhere; a plan that deletes live Ingresses waits for the Gateway', () => {
    const text = synthString('production', step('gateway'));
    const json = JSON.parse(text);
    expect(resourcesOf(json, 'kubernetes_ingress_v1')).toEqual([]);
    expect(text).not.toContain(nginxAnnotation);
    expect(text).not.toContain('"ingressClassName"');
    expect(values(json, 'kube-prometheus-stack').grafana.ingress).toEqual({ enabled: false });
    const record = stepRecord(json);
    expect(record.input.step).toBe('gateway');
    const [precondition] = record.lifecycle.precondition;
    // Each Ingress the earlier steps made is looked up by name (a typed read, no OpenAPI document).
    const made = resourcesOf(synthJson('production', step('ingress')), 'kubernetes_ingress_v1').map(
      (i) => i.metadata.name,
    );
    const lookups = Object.entries<any>(json.data.kubernetes_ingress_v1);
    expect(lookups.map(([, d]) => d.metadata.name).sort()).toEqual(made.sort());
    expect(new Set(lookups.map(([, d]) => d.metadata.namespace))).toEqual(
      new Set([environment('production').namespace]),
    );
    const present = (id: string) =>
      `length(data.kubernetes_ingress_v1.${id}.spec == null ? [] : data.kubernetes_ingress_v1.${id}.spec) > 0`;
    // The Gateway and its routes are listed only while one of them remains.
    expect(Object.values<any>(json.data.kubernetes_resources).map((d) => d.kind)).toEqual(['Gateway', 'HTTPRoute']);
    const gateway = Object.values<any>(json.data.kubernetes_resources).find((d) => d.kind === 'Gateway');
    const anyLive = /^\$\{anytrue\(\[(.*)\]\) \? 1 : 0\}$/.exec(gateway.count)?.[1] ?? '';
    expect(anyLive.split(', ').sort()).toEqual(lookups.map(([id]) => present(id)).sort());
    expect(precondition.condition.startsWith(`\${!anytrue([${anyLive}]) || try(`)).toBe(true);
    expect(precondition.condition).toContain('c.type == "Programmed"');
    expect(precondition.condition).toContain('c.type == "Accepted"');
    expect(precondition.error_message).toContain('Apply edge.serve "both" first, move DNS to the Gateway');
    expect(gateway.field_selector).toBe('metadata.name=edge');
  });
});

describe('whose Gateway', () => {
  it('an existing Envoy Gateway: the routes attach to it whole, and nothing of ours is installed', () => {
    const json = synthJson('staging', (s) => {
      s.edge = {
        serve: 'gateway',
        gateway: { existing: { name: 'shared', namespace: 'edge-system', implementation: 'envoy-gateway' } },
      };
    });
    const objects = objectsOf(json);
    expect(
      objects.map((o) => o.kind).filter((k) => ['Gateway', 'GatewayClass', 'ClientTrafficPolicy'].includes(k)),
    ).toEqual([]);
    expect(named(objects, 'HTTPRoute', 'mls-server-xrpc').spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shared', namespace: 'edge-system' },
    ]);
    expect(resourcesOf(json, 'helm_release').map((r) => r.name)).not.toContain('envoy-gateway');
    expect(edgeProblems(objects, expectations('staging'))).toEqual([]);
  });

  it('refuses another implementation, whose policies would leave the preview open, naming the field', () => {
    expect(
      configIssues(() =>
        environment('staging', (s) => {
          s.edge = { gateway: { existing: { name: 'shared', namespace: 'edge-system', implementation: 'nginx' } } };
        }),
      ),
    ).toEqual([
      'staging: edge.gateway: must be { "install": {...} } or { "existing": { "name", "namespace", "implementation" } }',
    ]);
  });

  it('refuses a second issuer on the environment’s one Gateway, and an unknown step', () => {
    expect(
      configIssues(() =>
        environment('production', (s) => {
          s.services.push({
            ...structuredClone(s.services[0]),
            name: 'mls-two',
            ingress: {
              ...s.services[0].ingress,
              host: 'two.catbird.blue',
              tlsSecretName: 'two-tls',
              clusterIssuer: 'letsencrypt-other',
            },
          });
          delete s.services[1].did;
          delete s.services[1].secret;
          delete s.services[1].imagePullSecret;
        }),
      ).filter((i) => i.includes('clusterIssuer')),
    ).toEqual([
      'production: services[1].ingress.clusterIssuer: must be "letsencrypt-prod", as services[0] says: the environment\'s Gateway has one issuer (cert-manager reads one annotation per Gateway)',
    ]);
    expect(configIssues(() => environment('staging', (s) => (s.edge = { serve: 'gateway-api' })))).toEqual([
      'staging: edge.serve: Invalid option: expected one of "ingress"|"both"|"gateway" (got "gateway-api")',
    ]);
  });
});

describe('the plan summary names the step of the move', () => {
  /* eslint-disable @typescript-eslint/no-require-imports -- the command, loaded where it is tested */
  const { summarize } = require('../bin/plan-summary-command') as typeof import('../bin/plan-summary-command');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const record = (step: string) => stepRecord(synthJson('production', (s) => (s.edge = { ...s.edge, serve: step })));
  const plan = (before: unknown, after: unknown, actions: string[]) => ({
    format_version: '1.2',
    resource_changes: [
      { address: 'terraform_data.edge-step_E488CE94', type: 'terraform_data', change: { actions, before, after } },
    ],
  });

  it('when it moves, and what comes next', () => {
    const both = { input: record('both').input };
    const gateway = { input: record('gateway').input };
    expect(summarize([{ stack: 'production', plan: plan(both, gateway, ['update']) }]).split('\n')[0]).toBe(
      '**production: edge step both → gateway**: serves the Gateway API routes only; next: none: the move is done',
    );
    expect(summarize([{ stack: 'production', plan: plan(null, both, ['create']) }]).split('\n')[0]).toBe(
      '**production: edge step both**: serves the Ingress objects and the Gateway API routes, side by side; next: move DNS (or the load balancer) to the Gateway’s address, then set edge.serve to "gateway"',
    );
  });

  it('not when it stays, nor for an analysis record', () => {
    const both = { input: record('both').input };
    expect(summarize([{ stack: 'production', plan: plan(both, both, ['update']) }])).not.toContain('edge step');
    const verdict = { input: { message: '{"verdict":"PASS"}' } };
    expect(summarize([{ stack: 'production', plan: plan(null, verdict, ['create']) }])).not.toContain('edge step');
  });
});

describe('edgeProblems, case by case', () => {
  const HOST = 'api.example.com';
  const PREVIEW = 'preview.api.example.com';
  const hsts = {
    type: 'ResponseHeaderModifier',
    responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: 'max-age=1' }] },
  };
  const route = (name: string, host: string, rules: any[]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'apps' },
    spec: { hostnames: [host], rules },
  });
  const rule = (type: string, value: string, extra: object = {}) => ({
    matches: [{ path: { type, value } }],
    backendRefs: [{ name: 'api', port: 80 }],
    filters: [hsts],
    ...extra,
  });
  const bounded = { timeouts: { request: '3600s' } };
  const policy = (kind: string, target: string, spec: object, targetKind = 'HTTPRoute') => ({
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind,
    metadata: { name: `${target}-${kind}`, namespace: 'apps' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: targetKind, name: target }], ...spec },
  });
  const streams = { timeout: { http: { streamIdleTimeout: '3600s', maxStreamDuration: '3600s' } } };
  const allow = (cidrs: string[]) => ({
    authorization: { defaultAction: 'Deny', rules: [{ action: 'Allow', principal: { clientCIDRs: cidrs } }] },
  });
  const expectNone = { wholeHosts: [], previewHosts: {} };
  const xrpcRoute = route('x', HOST, [rule('PathPrefix', '/xrpc', bounded)]);
  const problems = (objects: any[], expect: EdgeExpectations = expectNone) => edgeProblems(objects, expect);

  it('a stream bound is a non-zero Gateway API duration', () => {
    expect(['3600s', '1h30m', '0h30m', '250ms', '99999s'].map(isBound)).toEqual([true, true, true, true, true]);
    expect(['0s', '00s', '0ms', '', '3600', 'x3600s', '3600sx', '1h1m1s1ms1h', 3600, undefined].map(isBound)).toEqual(
      Array(10).fill(false),
    );
  });

  it('XRPC under any match type needs its bound; the policy must be a BackendTrafficPolicy on the route, with both timeouts', () => {
    const exact = route('e', HOST, [rule('Exact', '/xrpc')]);
    expect(problems([exact, policy('BackendTrafficPolicy', 'e', streams)])).toEqual([
      'apps/e routes Exact /xrpc on api.example.com: only /xrpc, /health, /.well-known/did.json are public (never / or /metrics)',
      'apps/e carries XRPC without a stream timeout (timeouts.request): a release could not know when its streams end',
    ]);
    const noPolicy = (objects: any[]) =>
      problems([xrpcRoute, ...objects]).filter((p) => p.includes('BackendTrafficPolicy'));
    expect(noPolicy([policy('BackendTrafficPolicy', 'x', streams)])).toEqual([]);
    expect(noPolicy([policy('SecurityPolicy', 'x', streams)])).toHaveLength(1);
    expect(noPolicy([policy('BackendTrafficPolicy', 'x', streams, 'Gateway')])).toHaveLength(1);
    const only = (http: object) => noPolicy([policy('BackendTrafficPolicy', 'x', { timeout: { http } })]);
    expect(only({ streamIdleTimeout: '3600s' })).toHaveLength(1);
    expect(only({ maxStreamDuration: '3600s' })).toHaveLength(1);
  });

  it('a public path only under its own match type', () => {
    expect(problems([route('h', HOST, [rule('PathPrefix', '/health')])])).toEqual([
      'apps/h routes PathPrefix /health on api.example.com: only /xrpc, /health, /.well-known/did.json are public (never / or /metrics)',
    ]);
  });

  it('HSTS is a response header set to Strict-Transport-Security, among others or alone', () => {
    const withFilter = (filter: object) =>
      problems([route('h', HOST, [{ ...rule('Exact', '/health'), filters: [filter] }])]);
    const set = (headers: object[]) => ({ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: headers } });
    const other = { name: 'X-Frame-Options', value: 'DENY' };
    expect(withFilter(set([other, hsts.responseHeaderModifier.set[0]!]))).toEqual([]);
    expect(withFilter(set([other]))).toEqual(['apps/h answers without HSTS (Strict-Transport-Security)']);
    expect(withFilter({ ...set(hsts.responseHeaderModifier.set), type: 'RequestHeaderModifier' })).toHaveLength(1);
  });

  it('the preview: exactly its CIDRs, in any order, each rule an Allow with CIDRs, whatever other rules redirect', () => {
    const preview = route('p', PREVIEW, [{ filters: [{ type: 'RequestRedirect' }] }, rule('Exact', '/health')]);
    const expect2 = { wholeHosts: [], previewHosts: { [PREVIEW]: ['10.200.0.0/16', '10.100.0.0/16'] } };
    const guard = (spec: object, kind = 'SecurityPolicy') => problems([preview, policy(kind, 'p', spec)], expect2);
    const refused =
      'apps/p serves the preview host preview.api.example.com without a SecurityPolicy that denies all but 10.100.0.0/16,10.200.0.0/16';
    expect(guard(allow(['10.200.0.0/16', '10.100.0.0/16']))).toEqual([]);
    expect(guard(allow(['10.100.0.0/16', '10.200.0.0/16']))).toEqual([]);
    expect(guard(allow(['10.100.0.0/16']))).toEqual([refused]);
    expect(guard(allow(['10.200.0.0/16', '10.100.0.0/16']), 'BackendTrafficPolicy')).toEqual([refused]);
    const deny = {
      authorization: {
        defaultAction: 'Deny',
        rules: [{ action: 'Deny', principal: { clientCIDRs: ['10.100.0.0/16', '10.200.0.0/16'] } }],
      },
    };
    expect(guard(deny)).toEqual([refused]);
    expect(problems([preview], expect2)).toEqual([refused]);
    const nobody = { wholeHosts: [], previewHosts: { [PREVIEW]: [] } };
    const everybody = { authorization: { defaultAction: 'Deny', rules: [{ action: 'Allow' }] } };
    expect(problems([preview, policy('SecurityPolicy', 'p', everybody)], nobody)).toEqual([
      'apps/p serves the preview host preview.api.example.com without a SecurityPolicy that denies all',
    ]);
    expect(
      problems([preview, policy('SecurityPolicy', 'p', { authorization: { defaultAction: 'Deny' } })], nobody),
    ).toEqual([]);
  });
});
