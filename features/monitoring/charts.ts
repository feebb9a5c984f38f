/**
 * The third-party charts, pinned to versions whose archives we can verify
 * (the policy gate renders each one: ../shared/charts where the repository
 * cannot be reached, `helm pull` where it can). Renovate (renovate.json)
 * proposes bumps, each with its plan preview.
 */

/** A chart pinned to one version in one repository. */
export interface ChartRef {
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
}

/** Loki is published in the grafana-community repository; Alloy and Promtail in Grafana's. */
export const CHARTS = {
  kubePrometheusStack: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '88.5.3',
  },
  loki: {
    repository: 'https://grafana-community.github.io/helm-charts',
    chart: 'loki',
    version: '18.11.0',
  },
  alloy: {
    repository: 'https://grafana.github.io/helm-charts',
    chart: 'alloy',
    version: '1.11.1',
  },
  promtail: {
    repository: 'https://grafana.github.io/helm-charts',
    chart: 'promtail',
    version: '6.17.1',
  },
} as const satisfies Record<string, ChartRef>;
