/**
 * The edge as the seeds run it, on the synthesized stacks: exactly the public
 * routes, the XRPC streaming annotations, a private colour-neutral preview
 * host, certificates from cert-manager (on ingress-nginx's Ingress objects,
 * at the steps of the move that still serve them), the DID document and
 * pull secrets.
 */
import { Testing } from 'cdktf';
import { edgeNamespaces } from '../features/edge/schema';
import { ServiceIngress } from '../features/service/service-ingress';
import { applyMove } from '../features/release/moves';
import { checkEnvironments } from '../stacks/app';
import {
  ENV_NAMES,
  Edit,
  SynthJson,
  configIssues,
  environment,
  resourceNamed,
  resourcesOf,
  source,
  synthJson,
} from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const NGINX = 'nginx.ingress.kubernetes.io';

/** host → "path pathType → backend Service name" lines, over every Ingress. */
function routeTable(json: SynthJson): Record<string, string[]> {
  const services = Object.fromEntries(
    Object.entries(json.resource.kubernetes_service_v1 ?? {}).map(([id, s]) => [id, s.metadata.name]),
  );
  const table: Record<string, string[]> = {};
  for (const ing of resourcesOf(json, 'kubernetes_ingress_v1')) {
    for (const rule of ing.spec.rule) {
      for (const p of rule.http.path) {
        const ref = /kubernetes_service_v1\.([^.]+)\./.exec(p.backend.service.name)?.[1];
        (table[rule.host] ??= []).push(`${p.path} ${p.path_type} → ${services[ref!]}`);
      }
    }
  }
  for (const host of Object.keys(table)) table[host]!.sort();
  return table;
}

const ingressNamed = (json: SynthJson, name: string) => resourceNamed(json, 'kubernetes_ingress_v1', name);

/** The environment at the move's first step, which serves the Ingress objects only. */
const onIngress: Edit = (s) => (s.edge = { ...s.edge, serve: 'ingress' });

describe.each(ENV_NAMES)('%s edge', (name) => {
  const json = synthJson(name);
  const ingressJson = synthJson(name, onIngress);
  const env = environment(name);

  it('routes exactly the public paths: never / and never /metrics', () => {
    for (const svc of env.services.filter((s) => s.ingress)) {
      const { host, previewHost } = svc.ingress!;
      const table = routeTable(ingressJson);
      expect(table[host]).toEqual([
        `/.well-known/did.json Exact → ${svc.name}-did`,
        `/health Exact → ${svc.name}`,
        `/xrpc/ Prefix → ${svc.name}`,
      ]);
      expect(table[previewHost]).toEqual([
        `/health Exact → ${svc.name}-preview`,
        `/xrpc/ Prefix → ${svc.name}-preview`,
      ]);
      for (const routes of Object.values(table)) {
        for (const route of routes) expect(route).not.toMatch(/^\/ |^\/metrics/);
      }
    }
  });

  it('gives the XRPC route the seeds’ streaming behaviour', () => {
    expect(ingressNamed(ingressJson, 'mls-server-xrpc').metadata.annotations).toEqual({
      [`${NGINX}/force-ssl-redirect`]: 'true',
      [`${NGINX}/proxy-http-version`]: '1.1',
      [`${NGINX}/proxy-buffering`]: 'off',
      [`${NGINX}/proxy-request-buffering`]: 'off',
      [`${NGINX}/proxy-connect-timeout`]: '60',
      [`${NGINX}/proxy-read-timeout`]: '3600',
      [`${NGINX}/proxy-send-timeout`]: '3600',
    });
  });

  it('keeps the preview host to the allowed CIDRs', () => {
    const annotations = ingressNamed(ingressJson, 'mls-server-preview').metadata.annotations;
    expect(annotations[`${NGINX}/whitelist-source-range`]).toBe(
      env.services[0]!.ingress!.previewAllowedCidrs.join(','),
    );
  });

  it('has cert-manager issue each host’s certificate once, from the environment’s issuer', () => {
    const issuer = env.services[0]!.ingress!.clusterIssuer;
    const issuing = resourcesOf(ingressJson, 'kubernetes_ingress_v1').filter(
      (i) => i.metadata.annotations['cert-manager.io/cluster-issuer'],
    );
    expect(issuing.map((i) => [i.metadata.name, i.metadata.annotations['cert-manager.io/cluster-issuer']])).toEqual(
      expect.arrayContaining([
        ['mls-server-public', issuer],
        ['mls-server-preview', issuer],
      ]),
    );
    const secrets = issuing.flatMap((i) => i.spec.tls.map((t: any) => t.secret_name));
    expect(new Set(secrets).size).toBe(secrets.length);
    for (const ing of resourcesOf(ingressJson, 'kubernetes_ingress_v1')) {
      expect(ing.metadata.annotations[`${NGINX}/force-ssl-redirect`]).toBe('true');
      expect(ing.spec.tls[0].hosts).toEqual([ing.spec.rule[0].host]);
    }
    expect(issuer).toBe(name === 'production' ? 'letsencrypt-prod' : 'letsencrypt-staging');
  });

  it('serves the DID document from a ConfigMap, with the right id, key and service', () => {
    const svc = env.services[0]!;
    const config = resourceNamed(json, 'kubernetes_config_map_v1', 'mls-server-did');
    const doc = JSON.parse(config.data['did.json']);
    expect(doc.id).toBe(`did:web:${svc.ingress!.host}`);
    expect(doc.id).toBe(svc.env.SERVICE_DID);
    expect(doc.verificationMethod).toEqual([
      {
        id: `${doc.id}#atproto`,
        type: 'Multikey',
        controller: doc.id,
        publicKeyMultibase: svc.did!.publicKeyMultibase,
      },
    ]);
    expect(doc.service).toEqual([
      { id: '#atproto_mls', type: 'AtprotoMlsService', serviceEndpoint: `https://${svc.ingress!.host}` },
    ]);
    const conf: string = config.data['default.conf'];
    expect(conf).toContain('location = /.well-known/did.json {');
    expect(conf).toContain('default_type application/json;');
    expect(conf).toContain('add_header Access-Control-Allow-Origin "*" always;');
    expect(conf).not.toContain('${');
  });

  it('runs the responder under the same restricted profile as the service’s pods', () => {
    const pod = (n: string) => resourceNamed(json, 'kubernetes_deployment_v1', n).spec.template.spec;
    const [service, responder] = [pod('mls-server-blue'), pod('mls-server-did')];
    const c = responder.container[0];
    expect(c.security_context).toEqual(service.container[0].security_context);
    expect(responder.security_context.run_as_non_root).toBe(true);
    expect(responder.security_context.seccomp_profile).toEqual(service.security_context.seccomp_profile);
    expect(responder.automount_service_account_token).toBe(false);
    expect(c.image).toMatch(/^nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+-alpine$/);
    expect(c.liveness_probe.http_get.path).toBe('/healthz');
    expect(c.readiness_probe.http_get.path).toBe('/healthz');
    expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
  });

  it('runs the responder with a PDB when it has two replicas (production), and admits only the edge’s proxies', () => {
    const replicas = resourceNamed(json, 'kubernetes_deployment_v1', 'mls-server-did').spec.replicas;
    const pdbs = resourcesOf(json, 'kubernetes_pod_disruption_budget_v1').filter(
      (p) => p.metadata.name === 'mls-server-did',
    );
    expect([replicas, pdbs.length]).toEqual(name === 'production' ? ['2', 1] : ['1', 0]);
    const policy = resourceNamed(json, 'kubernetes_network_policy_v1', 'allow-mls-server-did-ingress');
    expect(policy.spec.pod_selector).toEqual({ match_labels: { app: 'mls-server-did' } });
    expect(policy.spec.ingress).toEqual([
      {
        from: edgeNamespaces(env.edge, env.ingressNamespace).map((ns) => ({
          namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': ns } },
        })),
        ports: [{ port: '8080', protocol: 'TCP' }],
      },
    ]);
  });

  it('pulls both colours with the ghcr.io pull secret, an ExternalSecret of Secrets Manager', () => {
    expect(resourcesOf(json, 'kubernetes_secret_v1')).toEqual([]);
    const config = JSON.parse(resourceNamed(json, 'helm_release', 'external-secrets-config').values[0]);
    const pull = config.externalSecrets.find((e: any) => e.name === 'mls-server-registry');
    expect(pull).toMatchObject({
      type: 'kubernetes.io/dockerconfigjson',
      templateMergePolicy: 'Replace',
      data: [
        { secretKey: 'password', remoteRef: { key: expect.stringMatching(/ghcr-pull$/), property: 'password' } },
        { secretKey: 'username', remoteRef: { key: expect.stringMatching(/ghcr-pull$/), property: 'username' } },
      ],
    });
    expect(pull.template['.dockerconfigjson']).toBe(
      '{"auths":{"ghcr.io":{"username":{{ .username | toJson }},"password":{{ .password | toJson }},"auth":{{ printf "%s:%s" .username .password | b64enc | toJson }}}}}',
    );
    for (const colour of ['blue', 'green']) {
      const deployment = resourceNamed(json, 'kubernetes_deployment_v1', `mls-server-${colour}`);
      expect(deployment.spec.template.spec.image_pull_secrets).toEqual([{ name: 'mls-server-registry' }]);
      expect(deployment.depends_on).toContain(
        `helm_release.${Object.keys(json.resource.helm_release!).find((k) => k.startsWith('external-secrets_config'))}`,
      );
    }
  });
});

describe('the preview host serves the idle colour', () => {
  const previewSelector = (json: SynthJson) =>
    resourceNamed(json, 'kubernetes_service_v1', 'mls-server-preview').spec.selector.version;

  it('before and after release promote', () => {
    const env = environment('production');
    expect(env.release.services['mls-server']!.live).toBe('blue');
    expect(previewSelector(synthJson('production'))).toBe('green');
    const staged = applyMove(env, { verb: 'stage', image: 'ghcr.io/catbird/mls-server:1.5.0' }).release;
    const promoted = applyMove({ ...env, release: staged as any }, { verb: 'promote' }).release;
    const json = synthJson('production', (s, r) => {
      onIngress(s, r);
      Object.assign(r, structuredClone(promoted));
    });
    expect(resourceNamed(json, 'kubernetes_service_v1', 'mls-server').spec.selector.version).toBe('green');
    expect(previewSelector(json)).toBe('blue');
    expect(routeTable(json)['preview.mls.catbird.blue']).toEqual([
      '/health Exact → mls-server-preview',
      '/xrpc/ Prefix → mls-server-preview',
    ]);
  });
});

describe('bad edge input is refused with the environment and field', () => {
  const issues = (edit: Edit) => configIssues(() => checkEnvironments([source('production', edit)]));

  it.each<[string, Edit, string]>([
    [
      'an empty preview allow-list on ingress-nginx (where an empty list admits everybody)',
      (s, r) => {
        onIngress(s, r);
        s.services[0].ingress.previewAllowedCidrs = [];
      },
      'production: services[0].ingress.previewAllowedCidrs: must list at least one CIDR: an empty list would be open to all',
    ],
    [
      'a DID written by hand (it is derived from the host)',
      (s) => (s.services[0].did.id = 'did:web:other.catbird.blue'),
      'production: services[0].did.id: is not a known field',
    ],
    [
      'a SERVICE_DID written by hand (it is derived from the host)',
      (s) => (s.services[0].env.SERVICE_DID = 'did:web:old.catbird.blue'),
      'production: services[0].env.SERVICE_DID: is set from ingress.host (did:web:<host>) when the service has a did block: leave it out',
    ],
    [
      'an empty key',
      (s) => (s.services[0].did.publicKeyMultibase = ''),
      'production: services[0].did.publicKeyMultibase: must not be empty',
    ],
    [
      'a key without the multibase z',
      (s) => (s.services[0].did.publicKeyMultibase = '6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'),
      'production: services[0].did.publicKeyMultibase: must be a multibase base58btc key, starting with "z"',
    ],
    [
      'a DID without an ingress',
      (s) => delete s.services[0].ingress,
      'production: services[0].did: needs ingress: the document is served on the public host',
    ],
  ])('%s', (_what, edit, message) => {
    expect(issues(edit)).toContainEqual(expect.stringContaining(message));
  });
});

describe('ServiceIngress', () => {
  it('refuses an empty preview allow-list rather than opening the preview to all', () => {
    expect(() =>
      Testing.synthScope(
        (scope) =>
          new ServiceIngress(scope, 'edge', {
            service: 'api',
            namespace: 'apps',
            host: 'api.example.com',
            previewHost: 'preview.api.example.com',
            previewAllowedCidrs: [],
            liveBackend: 'api',
            previewBackend: 'api-preview',
            clusterIssuer: 'letsencrypt-prod',
            tlsSecretName: 'api-tls',
          }),
      ),
    ).toThrow(
      'ServiceIngress api: previewAllowedCidrs must list at least one CIDR: an empty list would be open to all',
    );
  });
});
