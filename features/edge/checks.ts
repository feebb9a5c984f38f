/**
 * The edge's guarantees, checked on the objects themselves before any is
 * written (and by the tests on what the stacks synthesize): only the public
 * paths, each routed once; a stream bound on every XRPC route; HSTS on every
 * proxied answer; the preview hosts only from their allow-lists.
 */
import { HSTS, KubeObject, PUBLIC_PATHS, RouteRule } from './gateway-api';

export interface EdgeExpectations {
  /** Hosts whose every path may be routed (Grafana's, behind its own login). */
  readonly wholeHosts: readonly string[];
  /** Preview host → the only client CIDRs it may answer. */
  readonly previewHosts: Readonly<Record<string, readonly string[]>>;
}

const PUBLIC = Object.values(PUBLIC_PATHS);
/** A rule that matches the XRPC path, whatever its match type. */
/** A rule that sends somewhere (not one that only redirects). */
const proxies = (rule: RouteRule) => (rule.backendRefs ?? []).length > 0;
const isXrpc = (rule: RouteRule) => (rule.matches ?? []).some((m) => m.path.value === PUBLIC_PATHS.xrpc.value);

interface Route {
  readonly id: string;
  readonly hostnames: readonly string[];
  readonly rules: readonly RouteRule[];
}

function routesOf(objects: readonly KubeObject[]): Route[] {
  return objects
    .filter((o) => o.kind === 'HTTPRoute')
    .map((o) => ({
      id: `${o.metadata.namespace}/${o.metadata.name}`,
      hostnames: (o.spec.hostnames as string[] | undefined) ?? [],
      rules: (o.spec.rules as RouteRule[] | undefined) ?? [],
    }));
}

/** Policies of a kind in a namespace, by the route names they target. */
function policiesByRoute(objects: readonly KubeObject[], kind: string): Map<string, KubeObject[]> {
  const out = new Map<string, KubeObject[]>();
  for (const p of objects.filter((o) => o.kind === kind)) {
    for (const t of (p.spec.targetRefs as { kind: string; name: string }[] | undefined) ?? []) {
      if (t.kind !== 'HTTPRoute') continue;
      const key = `${p.metadata.namespace}/${t.name}`;
      out.set(key, [...(out.get(key) ?? []), p]);
    }
  }
  return out;
}

/** What is wrong with an edge, one sentence each; empty when nothing is. */
export function edgeProblems(objects: readonly KubeObject[], expect: EdgeExpectations): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const streams = policiesByRoute(objects, 'BackendTrafficPolicy');
  const routes = routesOf(objects);
  for (const route of routes) {
    if (route.hostnames.length === 0) problems.push(`${route.id} names no hostname: it would answer every host`);
    for (const rule of route.rules.filter(proxies)) {
      problems.push(...pathProblems(route, rule, expect, seen));
      if (!(rule.filters ?? []).some(isHsts)) problems.push(`${route.id} answers without HSTS (${HSTS.name})`);
      if (isXrpc(rule)) problems.push(...streamProblems(route, rule, streams.get(route.id) ?? []));
    }
  }
  problems.push(...previewProblems(routes, policiesByRoute(objects, 'SecurityPolicy'), expect));
  return problems;
}

function isHsts(filter: Record<string, unknown>): boolean {
  const set = (filter.responseHeaderModifier as { set?: { name: string; value: string }[] } | undefined)?.set;
  return filter.type === 'ResponseHeaderModifier' && (set ?? []).some((h) => h.name === HSTS.name);
}

/** Only the public paths (a rule without matches is `/`), each host and path once. */
function pathProblems(route: Route, rule: RouteRule, expect: EdgeExpectations, seen: Map<string, string>): string[] {
  const problems: string[] = [];
  const matches = rule.matches?.length ? rule.matches.map((m) => m.path) : [{ type: 'PathPrefix', value: '/' }];
  for (const host of route.hostnames) {
    for (const path of matches) {
      const where = `${path.type} ${path.value} on ${host}`;
      const isPublic = PUBLIC.some((p) => p.type === path.type && p.value === path.value);
      if (!isPublic && !expect.wholeHosts.includes(host)) {
        problems.push(
          `${route.id} routes ${where}: only ${PUBLIC.map((p) => p.value).join(', ')} are public (never / or /metrics)`,
        );
      }
      const first = seen.get(`${host} ${path.type} ${path.value}`);
      if (first) problems.push(`${route.id} routes ${where}, which ${first} already routes`);
      else seen.set(`${host} ${path.type} ${path.value}`, route.id);
    }
  }
  return problems;
}

/** A Gateway API duration that bounds something (`0s` disables a timeout). */
export const isBound = (d: unknown): boolean =>
  typeof d === 'string' && /^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(d) && !/^0+(h|m|s|ms)$/.test(d);

/** An XRPC rule ends every stream within its bound, and a policy keeps idle streams open that long. */
function streamProblems(route: Route, rule: RouteRule, policies: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  if (!isBound(rule.timeouts?.request)) {
    problems.push(
      `${route.id} carries XRPC without a stream timeout (timeouts.request): a release could not know when its streams end`,
    );
  }
  const http = policies.map((p) => (p.spec.timeout as { http?: Record<string, string> } | undefined)?.http ?? {});
  if (!http.some((h) => isBound(h.streamIdleTimeout) && isBound(h.maxStreamDuration))) {
    problems.push(
      `${route.id} carries XRPC with no BackendTrafficPolicy setting streamIdleTimeout and maxStreamDuration: Envoy's defaults cut idle streams at 5 minutes`,
    );
  }
  return problems;
}

/** Each preview host: every route on it denied but to exactly its CIDRs. */
function previewProblems(
  routes: readonly Route[],
  security: Map<string, KubeObject[]>,
  expect: EdgeExpectations,
): string[] {
  const problems: string[] = [];
  // A route that only redirects to HTTPS sends nothing to the preview.
  for (const route of routes.filter((r) => r.rules.some(proxies))) {
    for (const host of route.hostnames.filter((h) => h in expect.previewHosts)) {
      const cidrs = [...expect.previewHosts[host]!].sort().join(',');
      const guarded = (security.get(route.id) ?? []).some((p) => {
        const auth = p.spec.authorization as
          { defaultAction?: string; rules?: { action: string; principal?: { clientCIDRs?: string[] } }[] } | undefined;
        const rules = auth?.rules ?? [];
        const allowed = rules.flatMap((r) => r.principal?.clientCIDRs ?? []);
        // An Allow rule without client CIDRs would admit everybody.
        const byCidr = (r: (typeof rules)[number]) =>
          r.action === 'Allow' && (r.principal?.clientCIDRs ?? []).length > 0;
        return auth?.defaultAction === 'Deny' && rules.every(byCidr) && allowed.sort().join(',') === cidrs;
      });
      if (!guarded) {
        problems.push(
          `${route.id} serves the preview host ${host} without a SecurityPolicy that denies all${cidrs ? ` but ${cidrs}` : ''}`,
        );
      }
    }
  }
  return problems;
}
