/**
 * Helm values from typed objects. The output is JSON with sorted keys: JSON
 * is YAML 1.2, so Helm reads it as a values file, it needs no YAML library
 * at synth time, and the same object always gives the same bytes.
 */
export function helmValues(values: object): string {
  return `${JSON.stringify(sortKeys(values), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
