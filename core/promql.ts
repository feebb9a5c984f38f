/**
 * What the services' metrics are called and how a query selects them,
 * defined once for the alert rules, the dashboard and the release analysis.
 */
import { SERIES_APP_LABEL, SERIES_COLOUR_LABEL } from './labels';
import { KUBE_PROMETHEUS_STACK_RELEASE } from './names';

/** Where Prometheus answers queries (the release analysis reads it), and how a network policy selects its pods. */
export const PROMETHEUS = {
  url: (ns: string) => `http://${KUBE_PROMETHEUS_STACK_RELEASE}-prometheus.${ns}.svc:9090`,
  port: 9090,
  /** The Prometheus Operator labels every Prometheus pod so. */
  podLabels: { 'app.kubernetes.io/name': 'prometheus' },
} as const;

/** Label holding the HTTP status on `http_requests_total`, unless a service says otherwise. */
export const DEFAULT_STATUS_LABEL = 'status';

/** The request-duration histogram's buckets, as the services export them. */
export const DURATION_BUCKETS = 'http_request_duration_seconds_bucket';

/**
 * The matchers of a service's scraped series, or of one colour's: the
 * PodMonitor relabels the pods' labels to `app` and `colour`.
 */
export function seriesMatchers(namespace: string, service: string, colour?: string): string {
  const base = `namespace="${namespace}", ${SERIES_APP_LABEL}="${service}"`;
  return colour === undefined ? base : `${base}, ${SERIES_COLOUR_LABEL}="${colour}"`;
}

/** The q-quantile of request duration, from an expression of the bucket series' rates or increases. */
export function durationQuantile(q: number, bucketRates: string): string {
  return `histogram_quantile(${q}, sum by (le) (${bucketRates}))`;
}
