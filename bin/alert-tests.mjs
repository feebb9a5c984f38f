// promtool unit tests for the project's alert rules, generated from the
// rendered rule groups: for every alert, series that fire it and series that
// do not. An alert without a scenario here is an error, so a new rule cannot
// go untested. Thresholds are read from the rendered expressions.

const EVAL = '30m';
const LENGTH = 'x40';

/** The number an expression compares against at its end (`... > 0.8`). */
const threshold = (expr) => Number(/([0-9.]+)\)?\s*$/.exec(expr)[1]);

const selector = (labels) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
const series = (name, labels, values) => ({ series: `${name}${selector(labels)}`, values });

/**
 * Scenarios per alert: `fire` (input series and the labels the alert then
 * has, beside the rule's own) and `quiet` (lists of series that must not fire it).
 */
function scenarios(rule, ctx) {
  const { ns, svc, live, idle } = ctx;
  const L = { namespace: ns, app: svc, colour: live };
  const pod = `${svc}-${live}-7d9f8b6c4-abcde`;
  const idlePod = `${svc}-${idle}-5c6d7e8f9-vwxyz`;
  const container = { namespace: ns, pod, container: svc };
  const t = () => threshold(rule.expr);
  switch (rule.alert) {
    case 'MlsServiceDown':
      return {
        fire: { series: [series('up', { ...L, pod }, `0${LENGTH}`)], labels: {} },
        quiet: [
          // The idle colour scaled to zero: no series at all, live answers.
          [series('up', { ...L, pod }, `1${LENGTH}`)],
          // The idle colour crash-looping: still not "down".
          [series('up', { ...L, pod }, `1${LENGTH}`), series('up', { ...L, colour: idle, pod: idlePod }, `0${LENGTH}`)],
        ],
      };
    case 'MlsHighErrorRate': {
      const status = /, (\w+)=~"5\.\."/.exec(rule.expr)[1];
      return {
        fire: {
          series: [
            series('http_requests_total', { ...L, [status]: '500' }, `0+90${LENGTH}`),
            series('http_requests_total', { ...L, [status]: '200' }, `0+10${LENGTH}`),
          ],
          labels: {},
        },
        quiet: [
          [
            series('http_requests_total', { ...L, [status]: '500' }, `0+0${LENGTH}`),
            series('http_requests_total', { ...L, [status]: '200' }, `0+100${LENGTH}`),
          ],
        ],
      };
    }
    case 'MlsHighCpuUsage': {
      const limit = series('kube_pod_container_resource_limits', { ...container, resource: 'cpu' }, `1${LENGTH}`);
      const use = (perMinute) => series('container_cpu_usage_seconds_total', container, `0+${perMinute}${LENGTH}`);
      return {
        fire: { series: [limit, use(Math.min(60, Math.ceil(60 * t()) + 3))], labels: { pod } },
        quiet: [[limit, use(Math.floor(30 * t()))]],
      };
    }
    case 'MlsHighMemoryUsage': {
      const limitBytes = 512 * 2 ** 20;
      const limit = series(
        'kube_pod_container_resource_limits',
        { ...container, resource: 'memory' },
        `${limitBytes}${LENGTH}`,
      );
      const use = (share) =>
        series('container_memory_working_set_bytes', container, `${Math.round(limitBytes * share)}${LENGTH}`);
      // The issue's cases: 95% of the limit fires, 50% does not.
      return { fire: { series: [limit, use(0.95)], labels: { pod } }, quiet: [[limit, use(0.5)]] };
    }
    case 'MlsHighLatencyP95': {
      const s = t();
      const buckets = (counts) =>
        ['0.1', String(s * 2), String(s * 10), '+Inf'].map((le, i) =>
          series('http_request_duration_seconds_bucket', { ...L, le }, `0+${counts[i]}${LENGTH}`),
        );
      return { fire: { series: buckets([0, 0, 10, 10]), labels: {} }, quiet: [buckets([10, 10, 10, 10])] };
    }
    case 'MlsPodCrashLooping': {
      const labels = { ...container, reason: 'CrashLoopBackOff' };
      return {
        fire: { series: [series('kube_pod_container_status_waiting_reason', labels, `1${LENGTH}`)], labels: { pod } },
        quiet: [[series('kube_pod_container_status_waiting_reason', labels, `0${LENGTH}`)]],
      };
    }
    case 'MlsDeploymentReplicasUnavailable': {
      const labels = { namespace: ns, deployment: `${svc}-${live}` };
      return {
        fire: { series: [series('kube_deployment_status_replicas_unavailable', labels, `1${LENGTH}`)], labels },
        quiet: [[series('kube_deployment_status_replicas_unavailable', labels, `0${LENGTH}`)]],
      };
    }
    case 'MlsDatabaseConnectionFailures': {
      const up = series('up', { ...L, pod }, `1${LENGTH}`);
      const conns = (n) => series('database_connections_active', { ...L, pod }, `${n}${LENGTH}`);
      return { fire: { series: [up, conns(0)], labels: {} }, quiet: [[up, conns(5)]] };
    }
    case 'MlsSlowDatabaseQueries': {
      const s = t();
      const queries = (secondsEach) => [
        series('database_query_duration_seconds_sum', { ...L, pod }, `0+${secondsEach * 60}${LENGTH}`),
        series('database_query_duration_seconds_count', { ...L, pod }, `0+60${LENGTH}`),
      ];
      return { fire: { series: queries(s * 5), labels: {} }, quiet: [queries(s / 10)] };
    }
    case 'MlsHpaAtMaximum': {
      const labels = { namespace: ns, horizontalpodautoscaler: svc };
      const hpa = (current) => [
        series('kube_horizontalpodautoscaler_status_current_replicas', labels, `${current}${LENGTH}`),
        series('kube_horizontalpodautoscaler_spec_max_replicas', labels, `10${LENGTH}`),
      ];
      return { fire: { series: hpa(10), labels }, quiet: [hpa(5)] };
    }
    case 'MlsDidDocumentUnavailable': {
      const deployment = /deployment="([^"]+)"/.exec(rule.expr)[1];
      const available = (n) => [
        series('kube_deployment_status_replicas_available', { namespace: ns, deployment }, `${n}${LENGTH}`),
      ];
      return { fire: { series: available(0), labels: {} }, quiet: [available(2)] };
    }
    case 'MlsLowDiskSpace': {
      const labels = { instance: 'node-1:9100', mountpoint: '/', fstype: 'ext4', device: '/dev/nvme0n1p1' };
      const disk = (freePercent) => [
        series('node_filesystem_avail_bytes', labels, `${freePercent}${LENGTH}`),
        series('node_filesystem_size_bytes', labels, `100${LENGTH}`),
      ];
      return { fire: { series: disk(Math.max(0, t() * 100 - 5)), labels }, quiet: [disk(50)] };
    }
    default:
      throw new Error(`no promtool test scenario for alert ${rule.alert}: add one to bin/alert-tests.mjs`);
  }
}

/** A rule's annotations with `{{ $labels.x }}` filled from the alert's labels. */
function expand(annotations, labels) {
  return Object.fromEntries(
    Object.entries(annotations).map(([k, v]) => [
      k,
      v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l) => labels[l] ?? ''),
    ]),
  );
}

/** The service a group is about, read from its MlsServiceDown rule. */
function contextOf(group) {
  const down = group.rules.find((r) => r.alert === 'MlsServiceDown');
  if (!down) return undefined;
  const [, ns, svc, live] = /namespace="([^"]+)", app="([^"]+)", colour="([^"]+)"/.exec(down.expr);
  return { ns, svc, live, idle: live === 'blue' ? 'green' : 'blue' };
}

/** promtool `tests` for every Mls alert in `groups`, and how many alert cases they hold. */
export function alertRuleTests(groups) {
  const tests = [];
  let count = 0;
  for (const group of groups) {
    const ctx = contextOf(group) ?? {};
    for (const rule of group.rules.filter((r) => String(r.alert ?? '').startsWith('Mls'))) {
      const { fire, quiet } = scenarios(rule, ctx);
      const labels = { ...fire.labels, ...rule.labels };
      tests.push({
        name: `${rule.alert} fires`,
        interval: '1m',
        input_series: fire.series,
        alert_rule_test: [
          {
            eval_time: EVAL,
            alertname: rule.alert,
            exp_alerts: [{ exp_labels: labels, exp_annotations: expand(rule.annotations, labels) }],
          },
        ],
      });
      for (const [i, input] of quiet.entries()) {
        tests.push({
          name: `${rule.alert} stays quiet (${i + 1})`,
          interval: '1m',
          input_series: input,
          alert_rule_test: [{ eval_time: EVAL, alertname: rule.alert, exp_alerts: [] }],
        });
      }
      count += 1 + quiet.length;
    }
  }
  return { tests, count };
}
