/**
 * Kubernetes names, labels and selectors, derived in one place so a Service
 * can never drift from the pods it selects.
 */
import { COLOURS, Colour } from './colours';

export const MANAGED_BY = 'cdktf';

/** Labels every object this program creates carries. */
export function managedLabels(): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': MANAGED_BY };
}

/** Labels of one service's objects, independent of colour. */
export function serviceLabels(service: string, partOf?: string): Record<string, string> {
  return {
    app: service,
    'app.kubernetes.io/name': service,
    ...(partOf ? { 'app.kubernetes.io/part-of': partOf } : {}),
    ...managedLabels(),
  };
}

/**
 * The immutable selector of one colour's pods: `app` and `version` (the
 * seeds' runbooks patch the Service selector on `version`). Never includes
 * a label that changes between releases, because a Deployment's selector
 * cannot change.
 */
export function colourSelector(service: string, colour: Colour): Record<string, string> {
  return { app: service, version: colour };
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

/** Object name of one colour's Deployment. */
export function colourName(service: string, colour: Colour): string {
  return `${service}-${colour}`;
}

/** A PromQL regex matching both colours' Deployment names, e.g. `api-(blue|green)`. */
export function colourNamePattern(service: string): string {
  return `${service}-(${COLOURS.join('|')})`;
}

/** A PromQL regex matching both colours' pod names. */
export function colourPodPattern(service: string): string {
  return `${colourNamePattern(service)}-.*`;
}
