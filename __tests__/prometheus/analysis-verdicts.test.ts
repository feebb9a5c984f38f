/**
 * The release analysis decides right on a real Prometheus: the server
 * built from the module the gate builds promtool from, scraping a local
 * exporter that plays each scenario's colour (the server's own
 * `http_requests_total{status}` and `http_request_duration_seconds`, and
 * kube-state-metrics series), with the stacks' SLI recording rules loaded,
 * and the analysis program run as its Job runs it: busybox sh and
 * busybox's applets, the checks file built from the committed production
 * service's settings, its own load and smoke requests answered by the
 * exporter.
 *
 * Time is scaled (ANALYSIS_TIME_SCALE, default 10): scrape and rule
 * evaluation every 3 s instead of 30 s, measurements every 6 s instead of
 * 60 s, a tenth of the minimum requests: the ratios between scrapes,
 * windows and measurements are the real ones. ANALYSIS_TIME_SCALE=1 runs
 * the real intervals (about 7 minutes). Every scenario runs at once, each
 * in a namespace of its own; the phase-sensitive ones start at three
 * offsets within a scrape interval. Loopback addresses only.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage, Server, ServerResponse, createServer, request } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { busyboxApplets } from '../../tooling/debian';
import { toolBinary } from '../../tooling/tools';
import { serviceSloRules } from '../../features/monitoring/alert-rules';
import { DEFAULT_LATENCY_BUCKETS } from '../../core/slo';
import { AnalysisTarget, Check, checksFile, postChecks, preChecks } from '../../features/release/analysis/checks';
import type { AnalysisSettings } from '../../features/release/analysis/schema';
import { Verdict, parseVerdict } from '../../features/release/analysis/verdict';
import { environment } from '../helpers';
import { systemNames } from '../../core/names';

const SCALE = Number(process.env.ANALYSIS_TIME_SCALE ?? 10);
const SCRAPE_SECONDS = 30 / SCALE;
const PROGRAM = join(__dirname, '../../features/release/analysis/analysis.sh');
const SERVICE = 'mls-server';
const COLOUR = 'green';

/** How a scenario's colour behaves. */
interface Behaviour {
  /** Requests a second from its users (not the analysis's). */
  readonly rate: number;
  /** Share of its users' and of the analysis's load requests answered 5xx (smoke requests are answered right). */
  readonly errorShare: number;
  readonly latencySeconds: number;
  /** Its series exist only from the analysis's start (new pods whose counters start at the switch). */
  readonly newborn?: boolean;
  /** Container restarts a minute (scaled), from the start. */
  readonly restartsPerMinute?: number;
}

interface Scenario {
  readonly name: string;
  readonly when: 'pre' | 'post';
  readonly behaviour: Behaviour;
  readonly expected: Verdict['verdict'];
  /** Start at three offsets within a scrape interval. */
  readonly phases?: boolean;
  readonly prometheus?: 'down' | 'one-failed-query';
  /** The analysis sends no load of its own. */
  readonly noLoad?: boolean;
}

const HEALTHY: Behaviour = { rate: 20, errorShare: 0.001, latencySeconds: 0.2 };
const QUIET: Behaviour = { rate: 0, errorShare: 0, latencySeconds: 0.05 };
const SCENARIOS: Scenario[] = [
  { name: 'healthy, busy', when: 'post', behaviour: HEALTHY, expected: 'PASS', phases: true },
  { name: '30 % 5xx', when: 'post', behaviour: { ...HEALTHY, errorShare: 0.3 }, expected: 'FAIL', phases: true },
  { name: '12 % 5xx', when: 'post', behaviour: { ...HEALTHY, errorShare: 0.12 }, expected: 'FAIL', phases: true },
  { name: '100 % 5xx', when: 'post', behaviour: { ...HEALTHY, errorShare: 1 }, expected: 'FAIL' },
  { name: 'slow (p95 9.7 s)', when: 'post', behaviour: { ...HEALTHY, latencySeconds: 9.7 }, expected: 'FAIL' },
  { name: 'quiet, healthy', when: 'post', behaviour: QUIET, expected: 'PASS', phases: true },
  {
    name: 'quiet, broken (30 % 5xx)',
    when: 'post',
    behaviour: { ...QUIET, errorShare: 0.3 },
    expected: 'FAIL',
    phases: true,
  },
  { name: 'quiet, no load of its own', when: 'post', behaviour: QUIET, expected: 'INCONCLUSIVE', noLoad: true },
  {
    name: 'new pods, counters from the switch, 12 % 5xx',
    when: 'post',
    behaviour: { ...HEALTHY, errorShare: 0.12, newborn: true },
    expected: 'FAIL',
    phases: true,
  },
  {
    name: 'new pods, counters from the switch, healthy',
    when: 'post',
    behaviour: { ...HEALTHY, newborn: true },
    expected: 'PASS',
    phases: true,
  },
  {
    name: 'restart loop (before the switch)',
    when: 'pre',
    behaviour: { ...HEALTHY, restartsPerMinute: 2 },
    expected: 'FAIL',
  },
  { name: 'healthy (before the switch)', when: 'pre', behaviour: HEALTHY, expected: 'PASS' },
  {
    name: 'Prometheus down for the whole window',
    when: 'post',
    behaviour: HEALTHY,
    expected: 'INCONCLUSIVE',
    prometheus: 'down',
  },
  {
    name: 'one failed query in the middle',
    when: 'post',
    behaviour: HEALTHY,
    expected: 'PASS',
    prometheus: 'one-failed-query',
  },
];

/** One run of a scenario: its namespace, its start offset, and what its colour has counted. */
interface Instance {
  readonly scenario: Scenario;
  readonly namespace: string;
  readonly offsetSeconds: number;
  readonly counts: { ok: number; errors: number; latencySum: number; buckets: number[]; count: number };
  /** When its users' traffic and its restarts are counted from (ms). */
  startedAt: number;
  /** When the analysis started; newborn series exist from then on (ms). */
  analysisAt?: number;
  served: number;
  verdict?: Verdict;
  seconds?: number;
  output?: string;
}

const instances: Instance[] = SCENARIOS.flatMap((scenario, i) =>
  (scenario.phases ? [0, 1 / 3, 2 / 3] : [0]).map((phase, k) => ({
    scenario,
    namespace: `s${i}-p${k}`,
    offsetSeconds: phase * SCRAPE_SECONDS,
    counts: { ok: 0, errors: 0, latencySum: 0, buckets: DEFAULT_LATENCY_BUCKETS.map(() => 0), count: 0 },
    startedAt: Date.now(),
    served: 0,
  })),
);

/** Counts `n` requests of the colour's users or of the analysis's load, `errorShare` of them 5xx, deterministically. */
function serve(inst: Instance, n: number): number {
  const { errorShare, latencySeconds } = inst.scenario.behaviour;
  let errors = 0;
  for (let k = 0; k < n; k++) {
    const before = Math.floor(inst.served * errorShare);
    inst.served++;
    const failed = Math.floor(inst.served * errorShare) > before;
    if (failed) {
      inst.counts.errors++;
      errors++;
    } else inst.counts.ok++;
    inst.counts.count++;
    inst.counts.latencySum += latencySeconds;
    DEFAULT_LATENCY_BUCKETS.forEach((le, b) => {
      if (latencySeconds <= le) inst.counts.buckets[b]!++;
    });
  }
  return errors;
}

/** One request answered right, at the colour's latency. */
function countOk(inst: Instance): void {
  const { latencySeconds } = inst.scenario.behaviour;
  inst.counts.ok++;
  inst.counts.count++;
  inst.counts.latencySum += latencySeconds;
  DEFAULT_LATENCY_BUCKETS.forEach((le, b) => {
    if (latencySeconds <= le) inst.counts.buckets[b]!++;
  });
}

/** Its users' requests since the last call, counted as they arrive. */
const lastTick = new Map<Instance, number>();
function tick(now: number): void {
  for (const inst of instances) {
    const from = lastTick.get(inst) ?? inst.startedAt;
    const due = Math.floor(((now - inst.startedAt) / 1000) * inst.scenario.behaviour.rate);
    const done = Math.floor(((from - inst.startedAt) / 1000) * inst.scenario.behaviour.rate);
    serve(inst, due - done);
    lastTick.set(inst, now);
  }
}

/** The exposition of every instance's series, as a client library and kube-state-metrics write them. */
function metrics(now: number): string {
  tick(now);
  const lines: string[] = [
    '# TYPE kube_node_status_condition gauge',
    'kube_node_status_condition{node="kwok-0",condition="Ready",status="true"} 1',
    'kube_node_status_condition{node="kwok-0",condition="Ready",status="false"} 0',
    'kube_node_status_condition{node="kwok-0",condition="Ready",status="unknown"} 0',
  ];
  for (const inst of instances) {
    const ns = inst.namespace;
    const deployment = `${SERVICE}-${COLOUR}`;
    const pod = `${deployment}-7d9f8b6c5-x2x4z`;
    const minutes = (now - inst.startedAt) / 60_000;
    lines.push(
      `kube_deployment_status_replicas_available{namespace="${ns}",deployment="${deployment}"} 3`,
      `kube_pod_container_status_restarts_total{namespace="${ns}",pod="${pod}",container="${SERVICE}"} ${Math.floor(minutes * SCALE * (inst.scenario.behaviour.restartsPerMinute ?? 0))}`,
      ...['requests.cpu', 'requests.memory', 'pods'].flatMap((resource) => [
        `kube_resourcequota{namespace="${ns}",resourcequota="${ns}-quota",resource="${resource}",type="hard"} 1e12`,
        `kube_resourcequota{namespace="${ns}",resourcequota="${ns}-quota",resource="${resource}",type="used"} 1`,
      ]),
    );
    if (inst.scenario.behaviour.newborn && (inst.analysisAt === undefined || now < inst.analysisAt)) continue;
    const sel = `namespace="${ns}",app="${SERVICE}",colour="${COLOUR}",pod="${pod}"`;
    // A labelled child exists from its first increment, as the client libraries do it.
    if (inst.counts.ok > 0) lines.push(`http_requests_total{${sel},status="200"} ${inst.counts.ok}`);
    if (inst.counts.errors > 0) lines.push(`http_requests_total{${sel},status="500"} ${inst.counts.errors}`);
    if (inst.counts.count > 0) {
      DEFAULT_LATENCY_BUCKETS.forEach((le, b) =>
        lines.push(`http_request_duration_seconds_bucket{${sel},le="${le}"} ${inst.counts.buckets[b]}`),
      );
      lines.push(
        `http_request_duration_seconds_bucket{${sel},le="+Inf"} ${inst.counts.count}`,
        `http_request_duration_seconds_sum{${sel}} ${inst.counts.latencySum}`,
        `http_request_duration_seconds_count{${sel}} ${inst.counts.count}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The exporter and each scenario's colour: `/metrics`, and `/app/<namespace>/<path>` for the analysis's requests. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, 'http://x');
  if (url.pathname === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics(Date.now()));
    return;
  }
  const [, app, ns, ...rest] = url.pathname.split('/');
  const inst = instances.find((i) => i.namespace === ns);
  if (app !== 'app' || !inst) {
    res.writeHead(404).end();
    return;
  }
  const path = `/${rest.join('/')}`;
  const load = req.headers['user-agent'] === 'release-analysis';
  // The smoke checks get right answers (and count as such): the scenarios test the metric checks.
  const failed = load ? serve(inst, 1) > 0 : (countOk(inst), false);
  if (failed) res.writeHead(503).end();
  else if (path === '/xrpc/blue.catbird.mls.getKeyPackages') res.writeHead(401).end();
  else res.writeHead(200).end('ok');
}

let dir: string;
let applets: string;
let exporter: Server;
let proxy: Server;
let prometheus: ChildProcess;
let prometheusUrl = '';
let proxyUrl = '';
let exporterUrl = '';
const queriesThroughProxy = { n: 0 };

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** A free loopback port (taken and released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ok: () => Promise<boolean>, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const getJson = async (url: string): Promise<any> => (await fetch(url)).json(); // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  const binary = toolBinary('promtool', 'prometheus');
  dir = mkdtempSync(join(tmpdir(), 'analysis-prometheus-'));
  applets = busyboxApplets(dir);

  exporter = createServer(handle);
  exporterUrl = await listen(exporter);
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  // Fails the third query it passes on with a 503; forwards the rest.
  proxy = createServer((req, res) => {
    queriesThroughProxy.n++;
    if (queriesThroughProxy.n === 3) {
      res.writeHead(503).end('injected');
      return;
    }
    const fwd = request(`${prometheusUrl}${req.url}`, { method: req.method }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', () => res.writeHead(502).end());
    req.pipe(fwd);
  });
  proxyUrl = await listen(proxy);

  const rules = {
    groups: instances
      .map((inst) => serviceSloRules({ service: SERVICE, namespace: inst.namespace, system: systemNames('mls') }))
      .slice(0, 1),
  };
  writeFileSync(join(dir, 'rules.yml'), stringify(rules));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s` },
      rule_files: [join(dir, 'rules.yml')],
      scrape_configs: [
        {
          job_name: 'colours',
          honor_labels: true,
          static_configs: [{ targets: [exporterUrl.replace('http://', '')] }],
        },
      ],
    }),
  );
  prometheus = spawn(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  prometheus.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  await waitFor(`Prometheus to answer (${log})`, async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, 60);
  // Two scrapes of history before the switch: the colours served traffic before it.
  await waitFor(
    'two scrapes of the colours',
    async () =>
      (await getJson(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent('count_over_time(up[1h])')}`)).data
        .result[0]?.value[1] >= 2,
    10 * SCRAPE_SECONDS + 30,
  );
}, 15 * 60_000);

afterAll(async () => {
  prometheus?.kill('SIGKILL');
  for (const s of [exporter, proxy]) {
    s?.closeAllConnections();
    await new Promise<void>((r) => (s ? s.close(() => r()) : r()));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The production service's settings with time scaled down. */
function scaled(settings: AnalysisSettings, noLoad?: boolean): AnalysisSettings {
  const s = (n: number) => Math.max(1, Math.round(n / SCALE));
  const watch = <T extends { intervalSeconds: number }>(m: T): T => ({ ...m, intervalSeconds: s(m.intervalSeconds) });
  const { errorRatio, p95LatencySeconds, restarts } = settings.post;
  return {
    ...settings,
    requestTimeoutSeconds: 2,
    load: noLoad ? { ratePerSecond: 0 } : settings.load,
    pre: watch(settings.pre),
    post: {
      errorRatio: { ...watch(errorRatio), minRequests: s(errorRatio.minRequests) },
      p95LatencySeconds: { ...watch(p95LatencySeconds), minRequests: s(p95LatencySeconds.minRequests) },
      restarts: watch(restarts),
    },
  };
}

/** The committed production service, validated once. */
let service: ReturnType<typeof environment>['services'][number] | undefined;

function checksOf(inst: Instance): Check[] {
  const svc = (service ??= environment('production').services.find((x) => x.name === SERVICE)!);
  const settings = scaled(svc.analysis, inst.scenario.noLoad);
  const target: AnalysisTarget = {
    service: SERVICE,
    namespace: inst.namespace,
    colour: COLOUR,
    replicas: 3,
    maxReplicas: 10,
    requests: svc.resources.requests,
    quotaName: `${inst.namespace}-quota`,
    metrics: true,
    availabilityObjective: svc.slo?.availability?.objective,
  };
  return inst.scenario.when === 'pre' ? preChecks(settings, target) : postChecks(settings, target);
}

/** Runs the program for one instance, as its Job does; resolves when it ends. */
async function analyse(inst: Instance): Promise<void> {
  await sleep(inst.offsetSeconds * 1000);
  const own = join(dir, inst.namespace);
  mkdirSync(own);
  writeFileSync(join(own, 'checks'), checksFile(checksOf(inst)));
  writeFileSync(join(own, 'verdict'), '');
  const url =
    inst.scenario.prometheus && { down: 'http://127.0.0.1:9', 'one-failed-query': proxyUrl }[inst.scenario.prometheus];
  const now = Date.now();
  if (inst.scenario.behaviour.newborn) {
    // New pods: their counters start at 0 at the switch.
    inst.counts.ok = inst.counts.errors = inst.counts.count = inst.counts.latencySum = inst.served = 0;
    inst.counts.buckets.fill(0);
    inst.startedAt = now;
    lastTick.set(inst, now);
  }
  inst.analysisAt = now;
  const child = spawn(join(applets, 'sh'), [PROGRAM], {
    env: {
      PATH: applets,
      TMPDIR: own,
      TARGET_URL: `${exporterUrl}/app/${inst.namespace}`,
      PROMETHEUS_URL: url || prometheusUrl,
      CHECKS_FILE: join(own, 'checks'),
      VERDICT_FILE: join(own, 'verdict'),
      REQUEST_TIMEOUT: '2',
      ANALYSIS_NAMESPACE: inst.namespace,
      ANALYSIS_SERVICE: SERVICE,
      ANALYSIS_WHEN: inst.scenario.when,
      ANALYSIS_RELEASE: '1.5.0',
      ANALYSIS_STAGE: '3',
    },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  // The verdict's time is the program's exit (a container ends there); its stopped checks'
  // last `sleep` may hold the output open for up to one interval more.
  child.on('exit', () => (inst.seconds = (Date.now() - inst.analysisAt!) / 1000));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  inst.output = `exit ${code}\n${out}`;
  inst.verdict = parseVerdict(readFileSync(join(own, 'verdict'), 'utf8'));
}

describe('the release analysis on a real Prometheus', () => {
  beforeAll(async () => {
    await Promise.all(instances.map(analyse));
    const rows = instances.map(
      (i) =>
        `| ${i.scenario.name} | ${i.scenario.when} | +${i.offsetSeconds.toFixed(1)} s | ${i.verdict?.verdict} | ${i.scenario.expected} | ${i.seconds?.toFixed(0)} s | ${i.verdict?.summary.slice(0, 110)} |`,
    );
    process.stdout.write(
      `\nRelease analysis on Prometheus (scrape ${SCRAPE_SECONDS} s, time scale 1/${SCALE}):\n` +
        `| scenario | when | offset | verdict | expected | took | summary |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
    );
  }, 20 * 60_000);

  it.each(instances.map((i) => [`${i.scenario.name} (+${i.offsetSeconds.toFixed(1)} s)`, i] as const))(
    '%s reaches its verdict',
    (_name, inst) => {
      expect({ verdict: inst.verdict?.verdict, output: inst.output }).toMatchObject({
        verdict: inst.scenario.expected,
      });
      expect(inst.verdict).toMatchObject({ namespace: inst.namespace, service: SERVICE, release: '1.5.0', stage: 3 });
    },
  );

  it('fails a colour answering every request with a 5xx at its first measurement, not after the window', () => {
    const inst = instances.find((i) => i.scenario.name === '100 % 5xx')!;
    expect(inst.verdict?.summary).toMatch(/crossed the fail-fast bound 0\.5/);
    // The first measurement comes after one interval (60 s real, 6 s scaled), and a smoke round before it.
    expect(inst.seconds!).toBeLessThan(60 / SCALE + 5);
  });

  it('fails a mild failure once most of the window failed, without waiting out the whole window', () => {
    const inst = instances.find((i) => i.scenario.name === '12 % 5xx')!;
    expect(inst.verdict?.summary).toMatch(
      /error_ratio = 0\.1\d*, must be at most 0\.0144 \(3 of 3 measurements failed; 2 allowed\)/,
    );
    // At the third failed measurement (the summary counts 3 of 3), so before the fifth would
    // have been taken: a bound nearer the third fails on a loaded machine, not on a wrong program.
    expect(inst.seconds!).toBeLessThan((5 * 60) / SCALE);
  });

  it('counts the one failed query as a measurement without data, not as a failure', () => {
    const inst = instances.find((i) => i.scenario.prometheus === 'one-failed-query')!;
    expect(queriesThroughProxy.n).toBeGreaterThan(3);
    expect(inst.verdict!.checks.reduce((n, c) => n + c.inconclusive, 0)).toBe(1);
    expect(inst.verdict!.checks.reduce((n, c) => n + c.failed, 0)).toBe(0);
  });

  it('says why an analysis has no verdict', () => {
    const down = instances.find((i) => i.scenario.prometheus === 'down')!;
    expect(down.verdict?.summary).toMatch(/no trustworthy data .*Prometheus unreachable/);
    const quiet = instances.find((i) => i.scenario.noLoad)!;
    expect(quiet.verdict?.summary).toMatch(/error_ratio: \d of \d measurements had no trustworthy data/);
  });

  it('loads the stacks’ SLI recording rules, and Prometheus evaluates them without error', async () => {
    const groups = (await getJson(`${prometheusUrl}/api/v1/rules?type=record`)).data.groups;
    const rules = groups.flatMap((g: { rules: { health: string; name: string }[] }) => g.rules);
    expect(rules.length).toBeGreaterThan(10);
    expect(rules.filter((r: { health: string }) => r.health !== 'ok')).toEqual([]);
  });
});
