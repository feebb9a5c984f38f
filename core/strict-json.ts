/**
 * JSON as a reviewer reads it: one reader for every file a person edits and
 * a program reads back (release files, plans), so synth and the commands
 * accept exactly the same bytes.
 *
 * - UTF-8, with or without a byte-order mark (editors on Windows add one);
 *   UTF-16 and UTF-32 are named, not reported as "Unexpected token".
 * - A key given twice in one object is refused: JSON.parse keeps the last,
 *   and the diff a reviewer approved may show the first.
 */

/** What is wrong with the bytes of a JSON file, or undefined. */
export function encodingProblem(bytes: Uint8Array): string | undefined {
  const [a, b, c, d] = bytes;
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return 'is UTF-32 (little-endian) encoded: save it as UTF-8';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'is UTF-32 (big-endian) encoded: save it as UTF-8';
  if (a === 0xff && b === 0xfe) return 'is UTF-16 (little-endian) encoded: save it as UTF-8';
  if (a === 0xfe && b === 0xff) return 'is UTF-16 (big-endian) encoded: save it as UTF-8';
  // UTF-16 without a byte-order mark: every other byte of ASCII text is zero.
  if (bytes.length >= 2 && (a === 0 || b === 0)) return 'is UTF-16 encoded (no byte-order mark): save it as UTF-8';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    return `is not UTF-8 (byte 0x${bytes[at]!.toString(16)} at offset ${at} cannot start or continue a UTF-8 character: Latin-1 or Windows-1252?): save it as UTF-8`;
  }
  return undefined;
}

/** The offset of the first byte that cannot start or continue a UTF-8 character (the decoder found one). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    const more =
      lead < 0x80
        ? 0
        : lead >= 0xc2 && lead < 0xe0
          ? 1
          : lead >= 0xe0 && lead < 0xf0
            ? 2
            : lead >= 0xf0 && lead < 0xf5
              ? 3
              : -1;
    if (more < 0) return i;
    for (let k = 1; k <= more; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return 0;
}

/** Thrown with a message meant for the file's editor; the caller names the file. */
export class StrictJsonError extends Error {}

/** Where offset `at` is in `text`, as `line L, column C`. */
function position(text: string, at: number): string {
  const before = text.slice(0, at).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/**
 * The first key that appears twice in one object, with where; undefined if
 * none. A scan, not a parse: it runs on text JSON.parse has accepted, so
 * every string is closed and every bracket matched.
 */
function duplicateKey(text: string): string | undefined {
  // Open containers, innermost last: an object's keys so far (null for an
  // array), its current key, and its path from the top.
  const open: { keys: Set<string> | null; key: string; path: string }[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = open[open.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) {
          return `key "${key}" given twice in ${top.path || 'the top level'} (${position(text, i)}): JSON keeps only the last, so the file would not say what a reviewer reads; remove one`;
        }
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
    } else if (ch === '{' || ch === '[') {
      const parent = open[open.length - 1];
      const path = !parent
        ? ''
        : parent.keys
          ? [parent.path, parent.key].filter(Boolean).join('.')
          : `${parent.path}[]`;
      open.push({ keys: ch === '{' ? new Set() : null, key: '', path });
      expectKey = ch === '{';
    } else if (ch === '}' || ch === ']') {
      open.pop();
    } else if (ch === ',') {
      expectKey = open[open.length - 1]?.keys != null;
    }
  }
  return undefined;
}

/**
 * Parses a JSON file's bytes as described above. Throws a StrictJsonError
 * whose message completes "<file> …".
 */
export function parseStrictJson(bytes: Uint8Array | string): unknown {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  const encoding = encodingProblem(buffer);
  if (encoding) throw new StrictJsonError(encoding);
  let text = buffer.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StrictJsonError(`is not valid JSON: ${(e as Error).message}`);
  }
  const duplicate = duplicateKey(text);
  if (duplicate) throw new StrictJsonError(`has a ${duplicate}`);
  return value;
}
