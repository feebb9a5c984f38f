/**
 * promtool unit tests for the project's alert rules: for every alert, series
 * that fire it and series that must not. The thresholds come from the typed
 * values the rules were built with (never read back from the PromQL), so a
 * rule whose expression drifts from its threshold fails here. An alert
 * without a scenario is an error: a new rule cannot go untested.
 */
import { type Colour, otherColour } from '../core/colours';
import { SERIES_APP_LABEL, SERIES_COLOUR_LABEL } from '../core/labels';
import { SystemNames, colourName } from '../core/names';
import type { AlertRule, AlertThresholds, RuleGroup } from '../features/monitoring/alert-rules';
import { BURN_ALERTS, SloSpec } from '../core/slo';

/** Burn-rate alerts are tested over traffic of a chosen burn rate (slo-tests.ts), not here. */
const BURN_ALERT_KINDS: ReadonlySet<string> = new Set(BURN_ALERTS.map((b) => b.kind));

const EVAL = '30m';
const LENGTH = 'x40';

/** What the rules of one service were built from. */
export interface ServiceContext {
  readonly namespace: string;
  readonly live: Colour;
  readonly statusLabel: string;
  readonly didResponder?: string;
  /** The objectives its burn-rate alerts were built from (their tests are slo-tests.ts'). */
  readonly slo?: Partial<SloSpec>;
}

export interface AlertTestContext {
  /** What the alerts are named after: `<alertPrefix><kind>`. */
  readonly system: SystemNames;
  readonly thresholds: Required<AlertThresholds>;
  /** By service name (the rule group `<service>.rules`). */
  readonly services: Readonly<Record<string, ServiceContext>>;
}

interface Series {
  readonly series: string;
  readonly values: string;
}

interface Scenario {
  /** Input series that fire the alert, and the labels it then has beside the rule's own. */
  readonly fire: { readonly series: Series[]; readonly labels: Record<string, string> };
  /** Lists of series that must not fire it. */
  readonly quiet: Series[][];
}

const selector = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
const series = (name: string, labels: Record<string, string>, values: string): Series => ({
  series: `${name}${selector(labels)}`,
  values,
});

/** What a scenario is built from: the thresholds, the service and its series labels. */
interface ScenarioInput {
  readonly t: Required<AlertThresholds>;
  readonly svc: string;
  readonly ctx: ServiceContext;
  /** Labels of the live colour's scraped series. */
  readonly L: Record<string, string>;
  /** A live pod and an idle pod. */
  readonly pod: string;
  readonly idlePod: string;
  /** The live pod's container, as cAdvisor and kube-state-metrics label it. */
  readonly container: Record<string, string>;
}

/** Scenarios of the rules about one service, by alert: near each threshold, on both sides. */
const SERVICE_SCENARIOS: Readonly<Record<string, (s: ScenarioInput) => Scenario>> = {
  ServiceDown: ({ L, pod, idlePod, ctx }) => ({
    fire: { series: [series('up', { ...L, pod }, `0${LENGTH}`)], labels: {} },
    quiet: [
      // The idle colour scaled to zero: no series at all, live answers.
      [series('up', { ...L, pod }, `1${LENGTH}`)],
      // The idle colour crash-looping: still not "down".
      [
        series('up', { ...L, pod }, `1${LENGTH}`),
        series('up', { ...L, [SERIES_COLOUR_LABEL]: otherColour(ctx.live), pod: idlePod }, `0${LENGTH}`),
      ],
    ],
  }),
  HighCpuUsage: ({ t, container, pod }) => {
    const limit = series('kube_pod_container_resource_limits', { ...container, resource: 'cpu' }, `1${LENGTH}`);
    const use = (share: number) =>
      series('container_cpu_usage_seconds_total', container, `0+${Math.round(60 * share * 100) / 100}${LENGTH}`);
    return {
      fire: { series: [limit, use(t.cpuRatio + 0.05)], labels: { pod } },
      quiet: [[limit, use(t.cpuRatio - 0.05)]],
    };
  },
  HighMemoryUsage: ({ t, container, pod }) => {
    const limitBytes = 512 * 2 ** 20;
    const limit = series(
      'kube_pod_container_resource_limits',
      { ...container, resource: 'memory' },
      `${limitBytes}${LENGTH}`,
    );
    const use = (share: number) =>
      series('container_memory_working_set_bytes', container, `${Math.round(limitBytes * share)}${LENGTH}`);
    return {
      fire: { series: [limit, use(t.memoryLimitRatio + 0.02)], labels: { pod } },
      quiet: [[limit, use(t.memoryLimitRatio - 0.02)]],
    };
  },
  HighLatencyP95: ({ t, L }) => {
    const s = t.p95LatencySeconds;
    const buckets = (counts: number[]) =>
      ['0.1', String(s * 2), String(s * 10), '+Inf'].map((le, i) =>
        series('http_request_duration_seconds_bucket', { ...L, le }, `0+${counts[i]}${LENGTH}`),
      );
    return { fire: { series: buckets([0, 0, 10, 10]), labels: {} }, quiet: [buckets([10, 10, 10, 10])] };
  },
  PodCrashLooping: ({ container, pod }) => {
    const labels = { ...container, reason: 'CrashLoopBackOff' };
    return {
      fire: { series: [series('kube_pod_container_status_waiting_reason', labels, `1${LENGTH}`)], labels: { pod } },
      quiet: [[series('kube_pod_container_status_waiting_reason', labels, `0${LENGTH}`)]],
    };
  },
  DeploymentReplicasUnavailable: ({ svc, ctx }) => {
    const labels = { namespace: ctx.namespace, deployment: colourName(svc, ctx.live) };
    return {
      fire: { series: [series('kube_deployment_status_replicas_unavailable', labels, `1${LENGTH}`)], labels },
      quiet: [[series('kube_deployment_status_replicas_unavailable', labels, `0${LENGTH}`)]],
    };
  },
  DatabaseConnectionFailures: ({ L, pod }) => {
    const up = series('up', { ...L, pod }, `1${LENGTH}`);
    const conns = (n: number) => series('database_connections_active', { ...L, pod }, `${n}${LENGTH}`);
    return { fire: { series: [up, conns(0)], labels: {} }, quiet: [[up, conns(5)]] };
  },
  SlowDatabaseQueries: ({ t, L, pod }) => {
    const queries = (secondsEach: number) => [
      series('database_query_duration_seconds_sum', { ...L, pod }, `0+${secondsEach * 60}${LENGTH}`),
      series('database_query_duration_seconds_count', { ...L, pod }, `0+60${LENGTH}`),
    ];
    return {
      fire: { series: queries(t.slowQuerySeconds * 1.5), labels: {} },
      quiet: [queries(t.slowQuerySeconds * 0.5)],
    };
  },
  HpaAtMaximum: ({ svc, ctx }) => {
    const labels = { namespace: ctx.namespace, horizontalpodautoscaler: svc };
    const hpa = (current: number) => [
      series('kube_horizontalpodautoscaler_status_current_replicas', labels, `${current}${LENGTH}`),
      series('kube_horizontalpodautoscaler_spec_max_replicas', labels, `10${LENGTH}`),
    ];
    return { fire: { series: hpa(10), labels }, quiet: [hpa(9)] };
  },
  DidDocumentUnavailable: ({ ctx }) => {
    const available = (n: number) => [
      series(
        'kube_deployment_status_replicas_available',
        { namespace: ctx.namespace, deployment: ctx.didResponder! },
        `${n}${LENGTH}`,
      ),
    ];
    return { fire: { series: available(0), labels: {} }, quiet: [available(1)] };
  },
};

function serviceScenario(
  alert: string,
  t: Required<AlertThresholds>,
  svc: string,
  ctx: ServiceContext,
): Scenario | undefined {
  const build = SERVICE_SCENARIOS[alert];
  if (!build) return undefined;
  const pod = `${colourName(svc, ctx.live)}-7d9f8b6c4-abcde`;
  return build({
    t,
    svc,
    ctx,
    L: { namespace: ctx.namespace, [SERIES_APP_LABEL]: svc, [SERIES_COLOUR_LABEL]: ctx.live },
    pod,
    idlePod: `${colourName(svc, otherColour(ctx.live))}-5c6d7e8f9-vwxyz`,
    container: { namespace: ctx.namespace, pod, container: svc },
  });
}

/** Scenarios of the rules about the cluster. */
function clusterScenario(alert: string, t: Required<AlertThresholds>): Scenario | undefined {
  if (alert !== 'LowDiskSpace') return undefined;
  const labels = { instance: 'node-1:9100', mountpoint: '/', fstype: 'ext4', device: '/dev/nvme0n1p1' };
  const disk = (freePercent: number) => [
    series('node_filesystem_avail_bytes', labels, `${freePercent}${LENGTH}`),
    series('node_filesystem_size_bytes', labels, `100${LENGTH}`),
  ];
  return { fire: { series: disk(t.diskFreeRatio * 100 - 2), labels }, quiet: [disk(t.diskFreeRatio * 100 + 2)] };
}

/** A rule's annotations with `{{ $labels.x }}` filled from the alert's labels. */
function expand(annotations: Record<string, string>, labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations).map(([k, v]) => [
      k,
      v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? ''),
    ]),
  );
}

export class UntestedAlertError extends Error {}

/** promtool `tests` for every alert of the system in `groups`, and how many alert cases they hold. */
export function alertRuleTests(
  groups: readonly RuleGroup[],
  ctx: AlertTestContext,
): { tests: object[]; count: number } {
  const tests: object[] = [];
  let count = 0;
  for (const group of groups) {
    const service = group.name.replace(/\.rules$/, '');
    const svcCtx = ctx.services[service];
    const prefix = ctx.system.alertPrefix;
    const kindOf = (r: AlertRule) => (r.alert?.startsWith(prefix) ? r.alert.slice(prefix.length) : undefined);
    for (const rule of group.rules.filter((r: AlertRule) => kindOf(r) && !BURN_ALERT_KINDS.has(kindOf(r)!))) {
      const kind = kindOf(rule)!;
      const scenario = svcCtx
        ? serviceScenario(kind, ctx.thresholds, service, svcCtx)
        : clusterScenario(kind, ctx.thresholds);
      if (!scenario)
        throw new UntestedAlertError(
          `no promtool test scenario for alert ${rule.alert}: add one to tooling/alert-tests.ts`,
        );
      const labels: Record<string, string> = { ...scenario.fire.labels, ...rule.labels };
      tests.push({
        name: `${rule.alert} fires`,
        interval: '1m',
        input_series: scenario.fire.series,
        alert_rule_test: [
          {
            eval_time: EVAL,
            alertname: rule.alert,
            exp_alerts: [{ exp_labels: labels, exp_annotations: expand({ ...rule.annotations }, labels) }],
          },
        ],
      });
      scenario.quiet.forEach((input, i) =>
        tests.push({
          name: `${rule.alert} stays quiet (${i + 1})`,
          interval: '1m',
          input_series: input,
          alert_rule_test: [{ eval_time: EVAL, alertname: rule.alert, exp_alerts: [] }],
        }),
      );
      count += 1 + scenario.quiet.length;
    }
  }
  return { tests, count };
}
