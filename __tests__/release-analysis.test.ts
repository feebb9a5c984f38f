/**
 * The release analysis in the synthesized stacks: where its Jobs sit in the
 * graph, what they run and check, when they exist, and the errors a bad
 * `analysis` block gets.
 */
import { Testing } from 'cdktf';
import { analysisJobName } from '../core/names';
import { EXAMPLE_ENVIRONMENTS } from '../environments/examples/two-services';
import { EnvironmentSource, validateAll, validateEnvironment } from '../environments/validate';
import {
  MetricCheck,
  checksFile,
  describeChecks,
  increaseOver,
  longestRunSeconds,
  postChecks,
  preChecks,
} from '../features/release/analysis/checks';
import { analysisSchema, maxRestarts } from '../features/release/analysis/schema';
import { EnvironmentStack } from '../stacks/environment-stack';
import { ENV_NAMES, Edit, SynthJson, configIssues, environment, resourcesOf, source, synthJson } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const NEXT = 'ghcr.io/catbird/mls-server:1.5.0';

/** Every service promoted: its idle colour runs `<image>` (stage 7) and takes traffic. */
function promoted(release: any, image = (svc: string) => `ghcr.io/catbird/${svc}:1.5.0`): void {
  for (const [name, svc] of Object.entries<any>(release.services)) {
    const next = svc.live === 'blue' ? 'green' : 'blue';
    const full = Math.max(svc[svc.live].replicas, 1);
    svc[next] = { image: image(name), replicas: full, stage: 7 };
    svc.live = next;
    svc.phase = 'switched';
  }
  release.stages = 7;
}

const switched: Edit = (_s, r) => promoted(r);

/** Address → what it waits for: its depends_on and the resources its body references. */
function waitsFor(json: SynthJson, address: string): string[] {
  const [type, id] = address.split('.') as [string, string];
  const body = json.resource[type]![id]!;
  const refs = [...JSON.stringify(body).matchAll(/\$\{(?:data\.)?([a-z0-9_]+\.[^.}[\s]+)/g)].map((m) => m[1]!);
  return [...(body.depends_on ?? []), ...refs];
}

function addressOf(json: SynthJson, type: string, match: (body: any) => boolean): string {
  const found = Object.entries(json.resource[type] ?? {}).filter(([, b]) => match(b));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return `${type}.${found[0]![0]}`;
}

/** The chain of one service: rollout → pre Job → Service → post Job → its verdict record → old colour, and the HPA after the switch. */
function chain(json: SynthJson, service: string, live: string, old: string) {
  const named = (type: string, name: string) => addressOf(json, type, (b) => b.metadata.name === name);
  const job = (when: string) =>
    addressOf(
      json,
      'kubernetes_job_v1',
      (b) =>
        b.metadata.labels['mls.catbird.blue/analysis-of'] === service &&
        b.metadata.labels['mls.catbird.blue/analysis'] === when,
    );
  const post = job('post');
  const postRecord = addressOf(
    json,
    'terraform_data',
    (b) => b.triggers_replace?.job === json.resource.kubernetes_job_v1[post.split('.')[1]!].metadata.name,
  );
  return {
    rollout: named('kubernetes_deployment_v1', `${service}-${live}`),
    pre: job('pre'),
    service: named('kubernetes_service_v1', service),
    post,
    postRecord,
    old: named('kubernetes_deployment_v1', `${service}-${old}`),
  };
}

function synthSource(src: EnvironmentSource): SynthJson {
  return JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), validateEnvironment(src))));
}

describe('the release analysis in the graph', () => {
  const stacks: [string, SynthJson, EnvironmentSource][] = [
    ...ENV_NAMES.map((name): [string, SynthJson, EnvironmentSource] => [
      name,
      synthJson(name, switched),
      source(name, switched),
    ]),
    ...EXAMPLE_ENVIRONMENTS.map((src): [string, SynthJson, EnvironmentSource] => {
      const copy = structuredClone(src) as any;
      promoted(copy.release);
      return ['two services', synthSource(copy), copy];
    }),
  ];

  it.each(stacks)('%s: rollout → analysis → switch → watch → old colour, for every service', (_name, json, src) => {
    const services = Object.entries<any>((src.release as any).services);
    expect(services.length).toBeGreaterThan(0);
    for (const [service, rel] of services) {
      const c = chain(json, service, rel.live, rel.live === 'blue' ? 'green' : 'blue');
      expect(waitsFor(json, c.pre)).toContain(c.rollout);
      expect(waitsFor(json, c.service)).toContain(c.pre);
      expect(waitsFor(json, c.post)).toContain(c.service);
      expect(waitsFor(json, c.old)).toContain(c.postRecord);
      // The pre Job does not wait for the switch, nor the switch for what follows it (no cycle).
      expect(waitsFor(json, c.pre)).not.toContain(c.service);
      expect(waitsFor(json, c.service)).not.toContain(c.post);
      // The preview moves only after the live Service did.
      const preview = addressOf(json, 'kubernetes_service_v1', (b) => b.metadata.name === `${service}-preview`);
      expect(waitsFor(json, preview)).toContain(c.service);
      // The autoscaler follows the traffic.
      const hpa = Object.entries<any>(json.resource.kubernetes_horizontal_pod_autoscaler_v2 ?? {}).find(
        ([, b]) => b.metadata.name === service,
      );
      if (hpa) expect(hpa[1].depends_on).toContain(c.service);
    }
  });

  it.each(stacks)('%s: the switch waits for a PASS verdict in state and prints the one it got', (_name, json) => {
    const service = resourcesOf(json, 'kubernetes_service_v1').find((s) => s.metadata.annotations)!;
    const [, verdict] = service.lifecycle.precondition;
    const record = Object.keys(json.resource.terraform_data).find((id) => verdict.condition.includes(id))!;
    const message = `terraform_data.${record}.output.message`;
    expect(verdict.condition).toBe(`\${try(jsondecode(${message}).verdict, "NONE") == "PASS"}`);
    expect(verdict.error_message).toMatch(
      /before the switch did not pass, so traffic did not move: \$\{try\(jsondecode/,
    );
    expect(verdict.error_message).toContain(`try(jsondecode(${message}).summary`);
    expect(
      waitsFor(
        json,
        `kubernetes_service_v1.${Object.entries<any>(json.resource.kubernetes_service_v1).find(([, b]) => b === service)![0]}`,
      ),
    ).toContain(`terraform_data.${record}`);
  });

  it.each(stacks)('%s: each verdict is recorded once, when its Job is new, and outlives the pod', (_name, json) => {
    // The analysis's records (the edge step's record is the other terraform_data).
    const records = Object.values<any>(json.resource.terraform_data).filter((r) => r.triggers_replace);
    const jobs = resourcesOf(json, 'kubernetes_job_v1')
      .map((j) => j.metadata.name)
      .sort();
    expect(records.map((r) => r.triggers_replace.job).sort()).toEqual(jobs);
    for (const r of records) {
      expect(r.lifecycle.ignore_changes).toEqual(['input']);
      expect(r.input.message).toMatch(
        /^\$\{trimspace\(try\(data\.kubernetes_resources\.[^.]+\.objects\[0\]\.status\.containerStatuses\[0\]\.state\.terminated\.message, ""\)\)\}$/,
      );
    }
    // After the switch, a verdict other than PASS fails the apply at the record.
    const post = records.filter((r) => r.lifecycle.postcondition);
    expect(post.map((r) => r.triggers_replace.job)).toEqual(jobs.filter((j) => j.includes('-post-')));
    for (const r of post) {
      expect(r.lifecycle.postcondition[0].condition).toMatch(
        /^\$\{try\(jsondecode\(self\.output\.message\)\.verdict, "NONE"\) == "PASS"\}$/,
      );
      expect(r.lifecycle.postcondition[0].error_message).toMatch(/after the switch did not pass: \$\{try/);
    }
  });
});

describe('the analysis Jobs', () => {
  const json = synthJson('production', switched);
  const job = (when: string) =>
    resourcesOf(json, 'kubernetes_job_v1').find((j) => j.metadata.labels['mls.catbird.blue/analysis'] === when);

  it.each(['pre', 'post'])('%s: one run, bounded, waited for, never deleted by a TTL', (when) => {
    const j = job(when);
    expect(j.metadata.name).toBe(`mls-server-${when}-1.5.0-s7`);
    expect(j.spec.backoff_limit).toBe(0);
    expect(j.spec.ttl_seconds_after_finished).toBeUndefined();
    expect(j.wait_for_completion).toBe(true);
    const deadline = j.spec.active_deadline_seconds;
    expect(Number.parseInt(j.timeouts.create, 10)).toBeGreaterThan(deadline);
    expect(deadline).toBeGreaterThan(when === 'pre' ? 30 : 300);
  });

  it.each([
    ['pre', 'http://mls-server-preview.production.svc:80'],
    ['post', 'http://mls-server.production.svc:80'],
  ])('%s: checks %s, and names what its verdict is about', (when, target) => {
    const container = job(when).spec.template.spec.container[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
    expect(env).toEqual({
      TARGET_URL: target,
      PROMETHEUS_URL: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
      CHECKS_FILE: '/analysis/checks',
      VERDICT_FILE: '/dev/termination-log',
      REQUEST_TIMEOUT: '5',
      ANALYSIS_NAMESPACE: expect.stringMatching(/^\$\{kubernetes_namespace_v1\.[^.]+\.metadata\[0\]\.name\}$/),
      ANALYSIS_SERVICE: 'mls-server',
      ANALYSIS_WHEN: when,
      ANALYSIS_RELEASE: '1.5.0',
      ANALYSIS_STAGE: '7',
    });
    expect(container.image).toBe('nginxinc/nginx-unprivileged:1.27.4-alpine');
    expect(container.command).toEqual(['/bin/sh', '/analysis/analysis.sh']);
  });

  it.each(['pre', 'post'])('%s: its deadline outlasts the longest its checks can take', (when) => {
    const j = job(when);
    const checks = resourcesOf(json, 'kubernetes_config_map_v1').find((c) => c.metadata.name === j.metadata.name).data
      .checks as string;
    const lines = checks
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const smokes = lines.filter((l) => l[0] === 'smoke').length;
    // Each measurement: its interval, then a query and a sample count, each up to the 5 s timeout.
    const metrics = lines.filter((l) => l[0] === 'metric').map((l) => Number(l[6]) * (Number(l[5]) + 10));
    expect(j.spec.active_deadline_seconds).toBeGreaterThanOrEqual(smokes * 5 + Math.max(...metrics));
  });

  it('runs under the restricted profile, with no API token', () => {
    const pod = job('pre').spec.template.spec;
    expect(pod.automount_service_account_token).toBe(false);
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: '101' });
    expect(pod.container[0].security_context).toMatchObject({
      allow_privilege_escalation: false,
      read_only_root_filesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('mounts the program and the checks from a ConfigMap of the same name', () => {
    const config = resourcesOf(json, 'kubernetes_config_map_v1').find(
      (c) => c.metadata.name === 'mls-server-pre-1.5.0-s7',
    );
    expect(config.data['analysis.sh']).toMatch(/^#!\/bin\/sh\n/);
    expect(config.data['analysis.sh']).not.toMatch(/\$\{|%\{/);
    expect(config.data.checks.split('\n').slice(0, 3)).toEqual([
      'load 2 /health /xrpc/blue.catbird.mls.getKeyPackages',
      'smoke health GET /health 200 2000',
      'smoke get_key_packages GET /xrpc/blue.catbird.mls.getKeyPackages 401 2000',
    ]);
  });

  it('says what it checks on the live Service and on each Job', () => {
    const service = resourcesOf(json, 'kubernetes_service_v1').find((s) => s.metadata.name === 'mls-server');
    expect(service.metadata.annotations).toEqual({
      'mls.catbird.blue/promotion':
        'after analysis: 2 smoke checks, 6 metric checks over 30 s; then watched: 2 smoke checks, 3 metric checks over 5 m',
    });
    expect(job('post').metadata.annotations).toEqual({
      'mls.catbird.blue/checks': '2 smoke checks, 3 metric checks over 5 m',
    });
  });
});

describe('when there is an analysis', () => {
  const jobs = (edit?: Edit) =>
    resourcesOf(synthJson('production', edit), 'kubernetes_job_v1').map((j) => j.metadata.name);

  it('has none in a stable or staged release', () => {
    expect(jobs()).toEqual([]);
    expect(
      jobs((_s, r) => {
        Object.assign(r.services['mls-server'], { phase: 'staged', green: { image: NEXT, replicas: 3, stage: 7 } });
        r.stages = 7;
      }),
    ).toEqual([]);
  });

  it('has none when the release file skips it, and the Service says why', () => {
    const reason = 'INC-2214: Prometheus is down, fix verified on the preview host';
    const json = synthJson('production', (s, r) => {
      switched(s, r);
      r.services['mls-server'].skipAnalysis = { reason };
    });
    expect(resourcesOf(json, 'kubernetes_job_v1')).toEqual([]);
    const service = resourcesOf(json, 'kubernetes_service_v1').find((s) => s.metadata.name === 'mls-server');
    expect(service.metadata.annotations).toEqual({ 'mls.catbird.blue/promotion': `without analysis: ${reason}` });
    expect(service.lifecycle.precondition).toHaveLength(1);
  });

  it('names a new stage’s Jobs anew, so it runs a new analysis; the same stage keeps its names', () => {
    const at = (stage: number) =>
      jobs((s, r) => {
        switched(s, r);
        r.services['mls-server'].green.stage = stage;
        r.stages = Math.max(stage, 7);
      });
    expect(at(7)).toEqual(at(7));
    expect(at(8).sort()).toEqual(['mls-server-post-1.5.0-s8', 'mls-server-pre-1.5.0-s8']);
  });

  it('runs only the smoke checks when monitoring is off, and says so', () => {
    const env = environment('production', (s, r) => {
      switched(s, r);
      s.monitoring.enabled = false;
    });
    const json = JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), env)));
    const service = resourcesOf(json, 'kubernetes_service_v1').find((s) => s.metadata.name === 'mls-server');
    expect(service.metadata.annotations['mls.catbird.blue/promotion']).toBe(
      'after analysis: 2 smoke checks (no metric checks: monitoring is off); then watched: 2 smoke checks (no metric checks: monitoring is off)',
    );
  });
});

describe('analysis Job names', () => {
  it('carry the service, the moment, the release and the stage', () => {
    expect(analysisJobName('mls-server', 'pre', '1.5.0', 3)).toBe('mls-server-pre-1.5.0-s3');
    expect(analysisJobName('mls-server', 'post', 'sha256-0123456789ab')).toBe('mls-server-post-sha256-0123456789ab');
    expect(analysisJobName('api', 'pre', 'V2_RC+1', 1)).toBe('api-pre-v2-rc-1-s1');
  });

  it('stay within 63 characters, distinct for distinct releases', () => {
    const svc = 'a'.repeat(47);
    const one = analysisJobName(svc, 'post', '1.2.3-rc.1-build.20261128', 12);
    const two = analysisJobName(svc, 'post', '1.2.3-rc.1-build.20261129', 12);
    expect(one).toHaveLength(63);
    expect(one).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    expect(one).not.toBe(two);
  });
});

describe('the checks', () => {
  const settings = analysisSchema.parse({});
  const target = {
    service: 'api',
    namespace: 'apps',
    colour: 'green' as const,
    replicas: 3,
    maxReplicas: 10,
    requests: { cpu: '250m', memory: '256Mi' },
    quotaName: 'apps-quota',
    metrics: true,
  };

  it('before the switch: load, smoke, full size, no restarts, nodes Ready, room for the autoscaler to grow', () => {
    const checks = preChecks(settings, target);
    expect(
      checks.map((c) =>
        c.kind === 'metric'
          ? `${c.name} ${c.bound} ${c.threshold}`
          : c.kind === 'load'
            ? `load ${c.ratePerSecond}/s ${c.paths.join(' ')}`
            : c.name,
      ),
    ).toEqual([
      'load 2/s /health',
      'health',
      'available_replicas min 3',
      'restarts max 0',
      'nodes_not_ready max 0',
      'quota_cpu_room min 1.75',
      'quota_memory_room min 1879048192',
      'quota_pods_room min 7',
    ]);
    expect(describeChecks(checks)).toBe('1 smoke check, 6 metric checks over 30 s');
  });

  it('after the switch: the error ratio limit comes from the availability objective, the seeds’ 10 % at most', () => {
    const ratio = (objective?: number) =>
      postChecks(settings, { ...target, availabilityObjective: objective }).find(
        (c) => c.kind === 'metric' && c.name === 'error_ratio',
      ) as MetricCheck;
    expect(ratio().threshold).toBe(0.0144);
    expect(ratio(0.999).threshold).toBe(0.0144);
    expect(ratio(0.995).threshold).toBe(0.072);
    expect(ratio(0.99).threshold).toBe(0.1);
    expect(ratio(0.9).threshold).toBe(0.1);
    expect(ratio()).toMatchObject({
      failFast: 0.5,
      intervalSeconds: 60,
      count: 5,
      failureLimit: 2,
      inconclusiveLimit: 2,
    });
    expect(ratio().samples).toEqual({ query: expect.stringContaining('http_requests_total'), min: 50 });
  });

  it('counts a series born inside the window from zero, never losing its first sample', () => {
    expect(increaseOver('x{a="1"}', 60)).toBe('((x{a="1"} - (x{a="1"} offset 60s or x{a="1"} * 0)) >= 0 or x{a="1"})');
    const ratio = postChecks(settings, target).find(
      (c) => c.kind === 'metric' && c.name === 'error_ratio',
    ) as MetricCheck;
    expect(ratio.query).toBe(
      `(sum(${increaseOver('http_requests_total{namespace="apps", app="api", colour="green", status=~"5.."}', 60)}) or vector(0)) / sum(${increaseOver('http_requests_total{namespace="apps", app="api", colour="green"}', 60)})`,
    );
    expect(ratio.query).not.toMatch(/rate\(|increase\(/);
  });

  it('writes one line a check, the queries URL-encoded', () => {
    const lines = checksFile(postChecks(settings, target)).split('\n');
    expect(lines[0]).toBe('load 2 /health');
    const ratio = lines[2]!.split(' ');
    expect(ratio.slice(0, 10)).toEqual(['metric', 'error_ratio', 'max', '0.0144', '0.5', '60', '5', '2', '2', '50']);
    expect(ratio).toHaveLength(12);
    expect(decodeURIComponent(ratio[11]!)).toContain('sum(((http_requests_total{');
    const restarts = lines[4]!.split(' ');
    expect(restarts.slice(0, 10)).toEqual(['metric', 'restarts', 'max', '0', '-', '60', '5', '0', '2', '-']);
    expect(restarts[11]).toBe('-');
  });

  it('bounds the time the program can take: smoke timeouts, then the slowest metric with two queries a measurement', () => {
    const checks = postChecks(settings, target);
    expect(longestRunSeconds(checks, 5)).toBe(1 * 5 + 5 * (60 + 10));
  });
});

describe('bad analysis settings are refused, naming the field', () => {
  const issues = (analysis: unknown) =>
    configIssues(() => environment('production', (s) => Object.assign(s.services[0], { analysis })));
  /** A post block: the defaults, with `changes` merged into its checks. */
  const post = (changes: Record<string, object>) => {
    const base: Record<string, object> = {
      errorRatio: { intervalSeconds: 60, count: 5, failureLimit: 2 },
      p95LatencySeconds: { threshold: 5, intervalSeconds: 60, count: 5, failureLimit: 2 },
      restarts: { threshold: 0, intervalSeconds: 60, count: 5, failureLimit: 0 },
    };
    return { post: Object.fromEntries(Object.entries(base).map(([k, v]) => [k, { ...v, ...changes[k] }])) };
  };

  it.each<[string, unknown, string]>([
    [
      'a failure limit that can never fail',
      { pre: { intervalSeconds: 10, count: 3, failureLimit: 3 } },
      'services[0].analysis.pre.failureLimit: (3) must be below count (3): otherwise the check can never fail',
    ],
    [
      'a watch longer than 30 minutes',
      post({ errorRatio: { intervalSeconds: 600, count: 4, failureLimit: 2 } }),
      'services[0].analysis.post.errorRatio.count: × intervalSeconds is 2400 s: an analysis watches at most 1800 s (the apply waits for it)',
    ],
    [
      'an error ratio written as a percent',
      post({ errorRatio: { threshold: 10 } }),
      'services[0].analysis.post.errorRatio.threshold: must be below 1: a share of errors is never above 1, so the check could never fail (got 10)',
    ],
    [
      'an error ratio limit of 1, which no share exceeds',
      post({ errorRatio: { threshold: 1 } }),
      'services[0].analysis.post.errorRatio.threshold: must be below 1: a share of errors is never above 1, so the check could never fail (got 1)',
    ],
    [
      'a fail-fast bound below the limit',
      post({ errorRatio: { threshold: 0.2, failFastThreshold: 0.1 } }),
      'services[0].analysis.post.errorRatio.failFastThreshold: (0.1) must be above threshold (0.2): it is the bound of a failure too severe to wait for',
    ],
    [
      'an inconclusive limit that lets a check pass on no data',
      post({ errorRatio: { inconclusiveLimit: 5 } }),
      'services[0].analysis.post.errorRatio.inconclusiveLimit: (5) must be below count (5): otherwise the check could pass on no data at all',
    ],
    [
      'a window shorter than two scrapes',
      post({ errorRatio: { intervalSeconds: 30, count: 10, failureLimit: 4 } }),
      'services[0].analysis.post.errorRatio.intervalSeconds: (30) must be at least 60: a measurement covers its interval, and a shorter one than two scrapes (30 s each) may hold no new sample',
    ],
    [
      'an interval shorter than a query may take',
      { requestTimeoutSeconds: 10, pre: { intervalSeconds: 5, count: 3, failureLimit: 0 } },
      'services[0].analysis.pre.intervalSeconds: (5) is shorter than requestTimeoutSeconds (10): a slow query would overlap the next measurement',
    ],
    [
      'a minimum of requests its own load cannot reach',
      post({ errorRatio: { minRequests: 500 } }),
      "services[0].analysis.post.errorRatio.minRequests: (500) is more than the analysis's own load sends in an interval (2/s × 60 s = 120): a quiet colour would never be judged; raise load.ratePerSecond or lower minRequests",
    ],
    [
      'a p95 limit at the largest bucket, which Prometheus caps the quantile at',
      post({ p95LatencySeconds: { threshold: 10 } }),
      'services[0].analysis.post.p95LatencySeconds.threshold: (10 s) must be below the largest bucket of http_request_duration_seconds (10 s): Prometheus reads any slower quantile as 10 s, so the check could never fail: lower it, or export a larger bucket',
    ],
    [
      'a restart limit no pods can reach',
      post({ restarts: { threshold: 40 } }),
      "services[0].analysis.post.restarts.threshold: (40) can never be exceeded: 10 pods restart at most 30 times in 60 s (the kubelet's back-off), so the check could never fail",
    ],
    [
      'no smoke check',
      { smoke: [] },
      'services[0].analysis.smoke: must hold at least one check: the new colour must answer before traffic moves to it (got [])',
    ],
    [
      'a path with a space',
      { smoke: [{ name: 'x', path: '/a b', status: 200 }] },
      'services[0].analysis.smoke[0].path: must be an absolute HTTP path, with an optional query, such as "/health" (no spaces) (got "/a b")',
    ],
    [
      'a check named twice',
      {
        smoke: [
          { name: 'x', path: '/a', status: 200 },
          { name: 'x', path: '/b', status: 200 },
        ],
      },
      'services[0].analysis.smoke[1].name: is used twice',
    ],
    [
      'a latency limit above the timeout',
      { requestTimeoutSeconds: 1, smoke: [{ name: 'x', path: '/a', status: 200, maxLatencyMs: 1500 }] },
      'services[0].analysis.smoke[0].maxLatencyMs: (1500) is longer than requestTimeoutSeconds (1 s): the request is cut off first',
    ],
    [
      'an unknown field',
      { smoke: [{ name: 'x', path: '/a', status: 200, timeout: 3 }] },
      'services[0].analysis.smoke[0].timeout: is not a known field',
    ],
  ])('%s', (_what, analysis, issue) => {
    expect(issues(analysis)).toContainEqual(`production: ${issue}`);
  });

  it('fills the defaults when the block is left out: the health check alone for a service that is not the MLS server', () => {
    const env = environment('production', (s) => delete s.services[0].analysis);
    expect(env.services[0]!.analysis).toEqual({
      smoke: [{ name: 'health', method: 'GET', path: '/health', status: 200, maxLatencyMs: 2000 }],
      requestTimeoutSeconds: 5,
      load: { ratePerSecond: 2 },
      pre: { intervalSeconds: 10, count: 3, failureLimit: 0, inconclusiveLimit: 1 },
      post: {
        errorRatio: {
          intervalSeconds: 60,
          count: 5,
          failureLimit: 2,
          inconclusiveLimit: 2,
          failFastThreshold: 0.5,
          minRequests: 50,
        },
        p95LatencySeconds: {
          threshold: 5,
          intervalSeconds: 60,
          count: 5,
          failureLimit: 2,
          inconclusiveLimit: 2,
          minRequests: 50,
        },
        restarts: { threshold: 0, intervalSeconds: 60, count: 5, failureLimit: 0, inconclusiveLimit: 2 },
      },
    });
  });

  it('knows how often the kubelet can restart a container, and accepts a restart limit just below it', () => {
    expect([0, 9, 10, 29, 30, 69, 70, 300, 310, 610].map(maxRestarts)).toEqual([1, 1, 2, 2, 3, 3, 4, 5, 6, 7]);
    const analysis = post({ restarts: { threshold: 29 } });
    expect(() => environment('production', (s) => Object.assign(s.services[0], { analysis }))).not.toThrow();
  });

  it('gives the MLS server its XRPC smoke check in its own files', () => {
    for (const name of ENV_NAMES) {
      expect(environment(name).services[0]!.analysis.smoke.map((c) => `${c.path} ${c.status}`)).toEqual([
        '/health 200',
        '/xrpc/blue.catbird.mls.getKeyPackages 401',
      ]);
    }
  });
});

describe('skipAnalysis', () => {
  it('needs a reason of some length', () => {
    expect(
      configIssues(() =>
        environment('production', (s, r) => {
          switched(s, r);
          r.services['mls-server'].skipAnalysis = { reason: 'urgent' };
        }),
      ),
    ).toContainEqual(
      'production: release.services.mls-server.skipAnalysis.reason: must say why, in at least 10 characters (an incident id, what is broken) (got "urgent")',
    );
  });

  it('validates beside the examples', () => {
    expect(() => validateAll(EXAMPLE_ENVIRONMENTS)).not.toThrow();
  });
});
