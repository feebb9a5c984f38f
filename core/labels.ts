/**
 * Kubernetes labels and selectors, derived in one place so a Service can
 * never drift from the pods it selects.
 */
import type { Colour } from './colours';

export const MANAGED_BY = 'cdktf';

/** The pod label workloads are selected by; runbooks use it (`kubectl get pods -l app=mls-server`). */
export const APP_LABEL = 'app';
/** The pod label that says a pod's colour; a manual switch patches the Service selector on it. */
export const COLOUR_LABEL = 'version';
/** What scraped series and shipped logs call the app and the colour (relabelled from the pod labels). */
export const SERIES_APP_LABEL = 'app';
export const SERIES_COLOUR_LABEL = 'colour';

/** The selector of a workload's pods by their app label. */
export function appSelector(app: string): Record<string, string> {
  return { [APP_LABEL]: app };
}

/** Kubernetes service discovery's meta label that holds a pod label's value. */
export function podLabelMeta(label: string): string {
  return `__meta_kubernetes_pod_label_${label}`;
}

/** Selects a namespace by its name (the label the API server sets on every namespace). */
export function namespaceByName(namespace: string): { matchLabels: Record<string, string> } {
  return { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
}

/** Labels every object this program creates carries. */
export function managedLabels(): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': MANAGED_BY };
}

/** Labels of one service's objects, independent of colour. */
export function serviceLabels(service: string, partOf?: string): Record<string, string> {
  return {
    [APP_LABEL]: service,
    'app.kubernetes.io/name': service,
    ...(partOf ? { 'app.kubernetes.io/part-of': partOf } : {}),
    ...managedLabels(),
  };
}

/**
 * The immutable selector of one colour's pods: `app` and `version` (the
 * manual switch patches the Service selector on `version`). Never includes
 * a label that changes between releases, because a Deployment's selector
 * cannot change.
 */
export function colourSelector(service: string, colour: Colour): Record<string, string> {
  return { [APP_LABEL]: service, [COLOUR_LABEL]: colour };
}

/** Pod labels of one colour: its selector plus the recommended labels. */
export function colourLabels(
  service: string,
  colour: Colour,
  version: string,
  partOf?: string,
): Record<string, string> {
  return {
    ...serviceLabels(service, partOf),
    ...colourSelector(service, colour),
    'app.kubernetes.io/instance': `${service}-${colour}`,
    'app.kubernetes.io/version': version,
  };
}

/** On a release analysis's Job and pods: the service it analyses (its network policy selects by it). */
export const ANALYSIS_OF_LABEL = 'mls.catbird.blue/analysis-of';
/** On a release analysis's Job and pods: `pre` (before the switch) or `post` (after it). */
export const ANALYSIS_WHEN_LABEL = 'mls.catbird.blue/analysis';
/** On an analysis Job: what it checks, in words (the plan summary and `release status` show it). */
export const ANALYSIS_CHECKS_ANNOTATION = 'mls.catbird.blue/checks';
/** On a live Service: the analysis its last switch passed, or why the switch skipped it. */
export const PROMOTION_ANNOTATION = 'mls.catbird.blue/promotion';
