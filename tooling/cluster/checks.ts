/**
 * What the cluster test checks on a live cluster after an apply. Each
 * function returns problems (empty when all is well), so a test can show
 * them all at once.
 */
import { COLOURS, otherColour } from '../../core/colours';
import { COLOUR_LABEL } from '../../core/labels';
import { colourName, didResponderName, monitoringReleaseName, previewName } from '../../core/names';
import type { Environment } from '../../environments/validate';
import { ENVOY_GATEWAY_API, GATEWAY_API_V1 } from '../../features/edge/gateway-api';
import { Kube, KubeError, KubeObject, apiPath } from './kube';

/** Workloads whose pod templates reach pods, and where the template sits in each. */
const WORKLOADS: readonly { apiVersion: string; plural: string; template: (o: KubeObject) => KubeObject }[] = [
  { apiVersion: 'apps/v1', plural: 'deployments', template: (o) => o.spec.template },
  { apiVersion: 'apps/v1', plural: 'statefulsets', template: (o) => o.spec.template },
  { apiVersion: 'apps/v1', plural: 'daemonsets', template: (o) => o.spec.template },
  { apiVersion: 'batch/v1', plural: 'cronjobs', template: (o) => o.spec.jobTemplate.spec.template },
  { apiVersion: 'batch/v1', plural: 'jobs', template: (o) => o.spec.template },
];

/**
 * Every pod template in `namespaces`, created as a Pod in a server-side dry
 * run: Pod Security admission (the namespace's level), the LimitRange and
 * the quota judge it as they would a real pod. A CronJob's template is
 * otherwise judged only when the schedule first fires.
 */
export async function podTemplateProblems(kube: Kube, namespaces: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const namespace of namespaces) {
    for (const w of WORKLOADS) {
      for (const o of await kube.list(apiPath(w.apiVersion, w.plural, namespace))) {
        if (w.plural === 'jobs' && o.metadata.ownerReferences?.length) continue; // a CronJob's, checked there
        const template = w.template(o);
        // A StatefulSet's controller adds a volume per claim template; the pod refers to them.
        const claims = (o.spec.volumeClaimTemplates ?? []).map((c: KubeObject) => ({
          name: c.metadata.name,
          persistentVolumeClaim: { claimName: `${c.metadata.name}-${o.metadata.name}-0` },
        }));
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: 'template-check-',
            labels: template.metadata?.labels,
            annotations: template.metadata?.annotations,
          },
          spec: { ...template.spec, volumes: [...(template.spec.volumes ?? []), ...claims] },
        };
        try {
          await kube.create(apiPath('v1', 'pods', namespace), pod, true);
        } catch (e) {
          if (!(e instanceof KubeError)) throw e;
          problems.push(
            `${namespace}/${w.plural}/${o.metadata.name}: its pod template is refused: ${e.body?.message ?? e.message}`,
          );
        }
      }
    }
  }
  return problems;
}

/** Services select what the release file says, and each colour runs its image at its size. */
export async function releaseProblems(kube: Kube, env: Environment): Promise<string[]> {
  const problems: string[] = [];
  const ns = env.namespace;
  for (const svc of env.services) {
    const rel = env.release.services[svc.name]!;
    const selector = async (name: string) =>
      (await kube.get(apiPath('v1', 'services', ns, name))).spec.selector[COLOUR_LABEL];
    const live = await selector(svc.name);
    const preview = await selector(previewName(svc.name));
    if (live !== rel.live) problems.push(`${ns}/${svc.name} selects ${live}, the release file says ${rel.live}`);
    if (preview !== otherColour(rel.live)) {
      problems.push(`${ns}/${previewName(svc.name)} selects ${preview}, the idle colour is ${otherColour(rel.live)}`);
    }
    for (const colour of COLOURS) {
      const want = rel[colour];
      const deployment = await kube.find(apiPath('apps/v1', 'deployments', ns, colourName(svc.name, colour)));
      const where = `${ns}/${colourName(svc.name, colour)}`;
      if (!want.image) {
        if (deployment) problems.push(`${where} exists, but the release file gives ${colour} no image`);
        continue;
      }
      if (!deployment) {
        problems.push(`${where} does not exist, but the release file gives it ${want.image}`);
        continue;
      }
      const image = deployment.spec.template.spec.containers[0].image;
      const replicas = deployment.spec.replicas;
      if (image !== want.image) problems.push(`${where} runs ${image}, the release file says ${want.image}`);
      // The live colour's count is the autoscaler's once it has one: at least what the file says.
      const sized = colour === rel.live && svc.autoscaling ? replicas >= want.replicas : replicas === want.replicas;
      if (!sized) problems.push(`${where} has ${replicas} replicas, the release file says ${want.replicas}`);
      const ready = deployment.status?.readyReplicas ?? 0;
      if (ready < Math.min(replicas, want.replicas))
        problems.push(`${where} has ${ready} ready replicas of ${replicas}`);
    }
  }
  return problems;
}

/** One row of the edge table of docs/edge.md, with its placeholders filled for a service. */
export interface ExpectedRoute {
  readonly name: string;
  readonly host: string;
  /** `path type → backend`, in order. */
  readonly routes: readonly string[];
  /** The XRPC rule's timeouts the row lists (`request: 3600s`), if any. */
  readonly timeouts: Readonly<Record<string, string>>;
  /** The row names a SecurityPolicy: the route answers only the allow-list. */
  readonly allowList: boolean;
}

/**
 * The HTTPRoutes docs/edge.md's table promises for one
 * service, read from the table itself, so the document and the cluster cannot
 * disagree unnoticed.
 */
export function expectedRoutes(readme: string, env: Environment, service: string): ExpectedRoute[] {
  const svc = env.services.find((s) => s.name === service)!;
  const ingress = svc.ingress!;
  const start = readme.indexOf('## The edge');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows = section
    .split('\n')
    .filter((l) => /^\| `<svc>-/.test(l))
    .map((l) => l.split('|').map((c) => c.trim()));
  return rows.map(([, name, host, paths, to, policies]) => {
    const backends = to!.split(',').map((b) => backendOf(b.trim(), service));
    return {
      name: name!.replace(/`/g, '').replace('<svc>', service),
      host: host!.includes('previewHost') ? ingress.previewHost : ingress.host,
      routes: [...paths!.matchAll(/`([^`]+)` \((PathPrefix|Exact)\)/g)].map(
        (m, i) => `${m[1]} ${m[2]} → ${backends[Math.min(i, backends.length - 1)]}`,
      ),
      timeouts: Object.fromEntries(
        [...policies!.matchAll(/`(request|backendRequest): ([^`]+)`/g)].map((m) => [m[1]!, m[2]!]),
      ),
      allowList: policies!.includes('SecurityPolicy'),
    };
  });
}

function backendOf(description: string, service: string): string {
  if (description === 'live colour') return service;
  if (description === 'idle colour') return previewName(service);
  if (description === 'DID responder') return didResponderName(service);
  throw new Error(`the edge table of docs/edge.md names an unknown backend "${description}"`);
}

/** The live HTTPRoutes (and the preview's SecurityPolicy) against the table of docs/edge.md. */
export async function routeProblems(kube: Kube, env: Environment, readme: string): Promise<string[]> {
  const problems: string[] = [];
  for (const svc of env.services.filter((s) => s.ingress)) {
    for (const want of expectedRoutes(readme, env, svc.name)) {
      const live = await kube.find(apiPath(GATEWAY_API_V1, 'httproutes', env.namespace, want.name));
      if (!live) {
        problems.push(`${env.namespace}/${want.name} does not exist`);
        continue;
      }
      const rules: KubeObject[] = live.spec.rules;
      const routes = rules.flatMap((r) =>
        (r.matches ?? []).map((m: KubeObject) => `${m.path.value} ${m.path.type} → ${r.backendRefs[0].name}`),
      );
      const hosts = (live.spec.hostnames ?? []).join(',');
      if (hosts !== want.host) problems.push(`${want.name}: hosts ${hosts}, docs/edge.md says ${want.host}`);
      if (JSON.stringify(routes) !== JSON.stringify(want.routes)) {
        problems.push(
          `${want.name}: routes ${JSON.stringify(routes)}, docs/edge.md says ${JSON.stringify(want.routes)}`,
        );
      }
      for (const [key, value] of Object.entries(want.timeouts)) {
        if (rules[0]?.timeouts?.[key] !== value) {
          problems.push(
            `${want.name}: timeouts.${key} is "${rules[0]?.timeouts?.[key]}", docs/edge.md says "${value}"`,
          );
        }
      }
      if (want.allowList)
        problems.push(...(await allowListProblems(kube, env, want.name, svc.ingress!.previewAllowedCidrs)));
    }
  }
  return problems;
}

/** The route's SecurityPolicy denies all but the allow-list. */
async function allowListProblems(
  kube: Kube,
  env: Environment,
  route: string,
  cidrs: readonly string[],
): Promise<string[]> {
  const policy = await kube.find(apiPath(ENVOY_GATEWAY_API, 'securitypolicies', env.namespace, route));
  const auth = policy?.spec.authorization;
  const allowed = auth?.rules?.flatMap((r: KubeObject) => (r.action === 'Allow' ? r.principal.clientCIDRs : []));
  return auth?.defaultAction === 'Deny' && JSON.stringify(allowed) === JSON.stringify(cidrs)
    ? []
    : [`${route}: no SecurityPolicy that denies all but ${cidrs.join(', ')}`];
}

/** The Helm releases are deployed, and each service's PrometheusRule and PodMonitor exist. */
export async function monitoringProblems(kube: Kube, env: Environment, releases: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const ns = env.monitoringNamespace;
  // Helm keeps each release's history in Secrets of the release's namespace: any namespace.
  const stored = await kube.list(`${apiPath('v1', 'secrets')}?labelSelector=owner%3Dhelm`);
  for (const release of releases) {
    const latest = stored
      .filter((s) => s.metadata.labels.name === release)
      .sort((a, b) => Number(b.metadata.labels.version) - Number(a.metadata.labels.version))[0];
    if (latest?.metadata.labels.status !== 'deployed') {
      problems.push(`Helm release ${release} is ${latest?.metadata.labels.status ?? 'missing'}, not deployed`);
    }
  }
  for (const svc of env.services) {
    for (const plural of ['prometheusrules', 'podmonitors']) {
      const name = monitoringReleaseName(svc.name);
      if (!(await kube.find(apiPath('monitoring.coreos.com/v1', plural, ns, name)))) {
        problems.push(`${ns}/${plural}/${name} does not exist`);
      }
    }
  }
  return problems;
}

/** The addresses `json` marks prevent_destroy. */
export function protectedAddresses(json: KubeObject): string[] {
  return Object.entries<Record<string, KubeObject>>(json.resource ?? {}).flatMap(([type, byId]) =>
    Object.entries(byId)
      .filter(([, r]) => r.lifecycle?.prevent_destroy === true)
      .map(([id]) => `${type}.${id}`),
  );
}

/** The protected resources `plan -destroy` did not refuse (its output), empty when it refused them all. */
export function unrefusedDestroys(planOutput: string, addresses: readonly string[]): string[] {
  // Terraform wraps its messages: read them as one line.
  const text = planOutput.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');
  const refused = new Set([...text.matchAll(/Resource (\S+) has lifecycle\.prevent_destroy set/g)].map((m) => m[1]!));
  return addresses.filter((a) => !refused.has(a));
}
