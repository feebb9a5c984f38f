/**
 * What the stack snapshots store: the synthesized JSON with every embedded
 * document (Helm values, dashboards, any JSON held in a string) parsed, so a
 * changed alert or route is a changed line of its own, not one edit inside a
 * 17,000-character string.
 */
import { parse as parseYaml } from 'yaml';

/** The longest snapshot line we accept: longer lines are unreadable in a diff. */
export const MAX_SNAPSHOT_LINE = 2000;

function parseEmbedded(text: string, yaml: boolean): unknown {
  const trimmed = text.trim();
  try {
    if (/^[[{]/.test(trimmed)) return readable(JSON.parse(trimmed));
    if (yaml) {
      const doc: unknown = parseYaml(text);
      if (doc && typeof doc === 'object') return readable(doc);
    }
  } catch {
    // Not a document after all (a shell script that starts with "{", say): keep the text.
  }
  return text;
}

/**
 * A deep copy of `value` with embedded documents parsed. Strings under a
 * `values` key (helm_release values, which may be YAML) are read as YAML;
 * any other string that parses as a JSON object or array is parsed.
 */
export function readable(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return parseEmbedded(value, key === 'values');
  if (Array.isArray(value)) return value.map((v) => readable(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v, k)]));
  }
  return value;
}

/** Lines of `text` longer than `max`, as "line N: length". */
export function longLines(text: string, max = MAX_SNAPSHOT_LINE): string[] {
  return text.split('\n').flatMap((line, i) => (line.length > max ? [`line ${i + 1}: ${line.length}`] : []));
}
