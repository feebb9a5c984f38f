/**
 * A Grafana dashboard for one service, built as data: its SLOs first (each
 * SLI over the window, the error budget left, the burn rate), then request
 * rate, 5xx ratio, latency percentiles, pods and traffic by colour, CPU and
 * memory, database connections and the MLS business metrics (messages sent,
 * groups created); release markers on every panel.
 */
import { COLOUR_LABEL, SERIES_COLOUR_LABEL } from '../../core/labels';
import { analysisJobPattern, colourNamePattern, colourPodPattern } from '../../core/names';
import { DEFAULT_STATUS_LABEL, DURATION_BUCKETS, durationQuantile, seriesMatchers } from '../../core/promql';
import {
  budgetRemainingMetric,
  DEFAULT_SLO,
  SloSpec,
  errorBudget,
  errorRatioMetric,
  objectives,
  percent,
} from '../../core/slo';

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly targets: readonly { readonly expr: string; readonly legendFormat: string }[];
}

export interface ServiceDashboardProps {
  readonly service: string;
  readonly namespace: string;
  /** Label holding the HTTP status on `http_requests_total`. @default 'status' */
  readonly statusLabel?: string;
  /** The service's objectives. @default DEFAULT_SLO */
  readonly slo?: Partial<SloSpec>;
  /** The recording rules' level the SLO panels read (`mls`). */
  readonly rulePrefix: string;
}

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' };

/** Each SLI over the SLO window, the budget left, and the burn rate over an hour, per colour. */
function sloPanels(props: ServiceDashboardProps): Panel[] {
  const sel = seriesMatchers(props.namespace, props.service);
  const window = props.slo?.window ?? DEFAULT_SLO.window;
  const sli = objectives(props.slo).map(({ name, objective, thresholdSeconds }) => ({
    title: `SLI: ${name === 'availability' ? 'requests without a 5xx' : `requests within ${thresholdSeconds} s`} (${window}; objective ${percent(objective)})`,
    unit: 'percentunit',
    targets: [
      {
        expr: `1 - ${errorRatioMetric(props.rulePrefix, window)}{${sel}, slo="${name}"}`,
        legendFormat: `{{${SERIES_COLOUR_LABEL}}}`,
      },
    ],
  }));
  return [
    ...sli,
    {
      title: `Error budget left (${window})`,
      unit: 'percentunit',
      targets: [
        {
          expr: `${budgetRemainingMetric(props.rulePrefix)}{${sel}}`,
          legendFormat: `{{slo}} {{${SERIES_COLOUR_LABEL}}}`,
        },
      ],
    },
    {
      title: 'Burn rate over 1 h (1 = spending the budget exactly over the window)',
      unit: 'short',
      targets: objectives(props.slo).map(({ name, objective }) => ({
        expr: `${errorRatioMetric(props.rulePrefix, '1h')}{${sel}, slo="${name}"} / ${errorBudget(objective)}`,
        legendFormat: `${name} {{${SERIES_COLOUR_LABEL}}}`,
      })),
    },
  ];
}

/**
 * Release markers, from kube-state-metrics alone: a new value of the live
 * Service's colour label (a traffic switch), and a new version on a colour's
 * Deployment (an image staged). A series that was not there a minute before
 * marks the moment.
 */
function releaseMarkers(props: ServiceDashboardProps): object[] {
  const ns = `namespace="${props.namespace}"`;
  const appeared = (series: string) => `${series} unless ${series} offset 1m`;
  const jobs = (outcome: string) =>
    `kube_job_status_${outcome}{${ns}, job_name=~"${analysisJobPattern(props.service)}"}`;
  return [
    {
      name: 'Traffic switch',
      datasource: DATASOURCE,
      enable: true,
      iconColor: 'orange',
      expr: appeared(`kube_service_labels{${ns}, service="${props.service}", label_${COLOUR_LABEL}!=""}`),
      step: '1m',
      titleFormat: 'traffic',
      textFormat: `live colour: {{label_${COLOUR_LABEL}}}`,
    },
    {
      name: 'Image staged',
      datasource: DATASOURCE,
      enable: true,
      iconColor: 'blue',
      expr: appeared(
        `kube_deployment_labels{${ns}, deployment=~"${colourNamePattern(props.service)}", label_app_kubernetes_io_version!=""}`,
      ),
      step: '1m',
      titleFormat: 'release',
      textFormat: '{{deployment}}: {{label_app_kubernetes_io_version}}',
    },
    // The release analysis: each Job's end, by its outcome (the Job's name carries the release and stage).
    ...(['succeeded', 'failed'] as const).map((outcome) => ({
      name: `Analysis ${outcome === 'succeeded' ? 'passed' : 'failed'}`,
      datasource: DATASOURCE,
      enable: true,
      iconColor: outcome === 'succeeded' ? 'green' : 'red',
      // Its count of pods that ended so turned above zero in the last minute.
      expr: `${jobs(outcome)} > 0 unless ${jobs(outcome)} offset 1m > 0`,
      step: '1m',
      titleFormat: outcome === 'succeeded' ? 'analysis passed' : 'analysis FAILED',
      textFormat: '{{job_name}}',
    })),
  ];
}

/** The dashboard JSON model (Grafana schema 39). Deterministic: no ids, no timestamps. */
// eslint-disable-next-line max-lines-per-function -- a table of dashboard panels, one entry a few lines
export function serviceDashboard(props: ServiceDashboardProps): Record<string, unknown> {
  const { service: svc, namespace: ns } = props;
  const status = props.statusLabel ?? DEFAULT_STATUS_LABEL;
  const sel = seriesMatchers(ns, svc);
  const pods = `namespace="${ns}", pod=~"${colourPodPattern(svc)}", container="${svc}"`;
  const quantile = (q: number) => ({
    expr: durationQuantile(q, `rate(${DURATION_BUCKETS}{${sel}}[5m])`),
    legendFormat: `p${Math.round(q * 100)}`,
  });
  const panels: Panel[] = [
    {
      title: 'Request rate',
      unit: 'reqps',
      targets: [{ expr: `sum(rate(http_requests_total{${sel}}[5m]))`, legendFormat: 'requests/s' }],
    },
    {
      title: '5xx ratio',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum(rate(http_requests_total{${sel}, ${status}=~"5.."}[5m])) / sum(rate(http_requests_total{${sel}}[5m]))`,
          legendFormat: '5xx',
        },
      ],
    },
    { title: 'Latency p50 / p95 / p99', unit: 's', targets: [quantile(0.5), quantile(0.95), quantile(0.99)] },
    {
      title: 'Pods by colour',
      unit: 'short',
      targets: [
        { expr: `count by (${SERIES_COLOUR_LABEL}) (up{${sel}} == 1)`, legendFormat: `{{${SERIES_COLOUR_LABEL}}}` },
      ],
    },
    {
      title: 'Traffic by colour',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (${SERIES_COLOUR_LABEL}) (rate(http_requests_total{${sel}}[5m]))`,
          legendFormat: `{{${SERIES_COLOUR_LABEL}}}`,
        },
      ],
    },
    {
      title: 'CPU',
      unit: 'cores',
      targets: [
        { expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}}[5m]))`, legendFormat: '{{pod}}' },
      ],
    },
    {
      title: 'Memory',
      unit: 'bytes',
      targets: [{ expr: `sum by (pod) (container_memory_working_set_bytes{${pods}})`, legendFormat: '{{pod}}' }],
    },
    {
      title: 'Database connections',
      unit: 'short',
      targets: [
        {
          expr: `sum by (${SERIES_COLOUR_LABEL}) (database_connections_active{${sel}})`,
          legendFormat: `{{${SERIES_COLOUR_LABEL}}}`,
        },
      ],
    },
    {
      title: 'MLS messages sent',
      unit: 'ops',
      targets: [{ expr: `sum(rate(mls_messages_sent_total{${sel}}[5m]))`, legendFormat: 'messages/s' }],
    },
    {
      title: 'MLS groups created',
      unit: 'ops',
      targets: [{ expr: `sum(rate(mls_groups_created_total{${sel}}[5m]))`, legendFormat: 'groups/s' }],
    },
  ];
  return {
    title: `${svc} (${ns})`,
    annotations: { list: releaseMarkers(props) },
    uid: `${svc}-${ns}`.slice(0, 40),
    tags: [svc, ns],
    timezone: 'utc',
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    panels: [...sloPanels(props), ...panels].map((p, i) => ({
      type: 'timeseries',
      title: p.title,
      datasource: DATASOURCE,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), ...t })),
    })),
  };
}
