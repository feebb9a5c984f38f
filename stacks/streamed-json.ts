/**
 * A stack's JSON written as cdktf writes it, byte for byte, but streamed to
 * the file. cdktf's writer (json-stable-stringify) builds each object's text
 * from its children's texts, so a deep document is copied once per level:
 * at 200 services (a 13 MB file) that held about 100 MB at once, the peak of
 * the whole synth. This one writes as it walks, through a 1 MiB buffer.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { IStackSynthesizer, ISynthesisSession, TerraformStack } from 'cdktf';

const FLUSH_AT = 1 << 20;
const SPACE = '  ';

/**
 * Writes `value` to `file` exactly as json-stable-stringify 1.3 does with
 * `{ space: 2 }` (cdktf 0.21's writer): keys in `Array.prototype.sort`
 * order, `toJSON` honoured, `undefined` keys left out and `undefined` array
 * items written `null`, and an empty array or object still broken over two
 * lines (`[` then the closing bracket on the next, indented). `flushAt`:
 * the characters held before a write (a test flushes a small document
 * several times over with a small one).
 */
export function writeStableJson(file: string, value: object, flushAt = FLUSH_AT): void {
  const fd = openSync(file, 'w');
  try {
    let buffer: string[] = [];
    let size = 0;
    const out = (text: string) => {
      buffer.push(text);
      size += text.length;
      if (size >= flushAt) flush();
    };
    const flush = () => {
      if (buffer.length > 0) writeSync(fd, buffer.join(''));
      buffer = [];
      size = 0;
    };
    const seen = new Set<object>();
    const write = (node: unknown, level: number): void => {
      const indent = `\n${SPACE.repeat(level)}`;
      const inner = indent + SPACE;
      if (Array.isArray(node)) {
        out('[');
        node.forEach((item, i) => {
          out(i === 0 ? inner : `,${inner}`);
          const json = jsonOf(item);
          if (json === undefined) out('null');
          else writeValue(json, level + 1);
        });
        out(`${indent}]`);
        return;
      }
      if (seen.has(node as object)) throw new TypeError('Converting circular structure to JSON');
      seen.add(node as object);
      out('{');
      let first = true;
      for (const key of Object.keys(node as object).sort()) {
        const json = jsonOf((node as Record<string, unknown>)[key]);
        if (json === undefined) continue;
        out(`${first ? '' : ','}${inner}${JSON.stringify(key)}: `);
        first = false;
        writeValue(json, level + 1);
      }
      seen.delete(node as object);
      out(`${indent}}`);
    };
    const writeValue = (json: Json, level: number) => {
      if (json.text !== undefined) out(json.text);
      else write(json.node, level);
    };
    write(value, 0);
    flush();
  } finally {
    closeSync(fd);
  }
}

/** A value as it is written: a primitive's text, or an object or array to walk; undefined when left out. */
type Json = { text: string; node?: undefined } | { text?: undefined; node: object };

function jsonOf(value: unknown): Json | undefined {
  let node = value;
  if (node && typeof (node as { toJSON?: unknown }).toJSON === 'function') {
    node = (node as { toJSON: () => unknown }).toJSON();
  }
  if (typeof node === 'object' && node !== null) return { node };
  const text = JSON.stringify(node) as string | undefined;
  return text === undefined ? undefined : { text };
}

/** A stack that renders once (stacks/environment-stack.ts): its rendering, and a way to hand cdktf an empty one. */
export interface SealedStack extends TerraformStack {
  seal(): Record<string, unknown>;
  /** Runs `fn` while the stack renders as `{}`. */
  renderingEmptyWhile(fn: () => void): void;
}

/**
 * The stack's synthesizer with its JSON written by writeStableJson: cdktf's
 * own runs every step (aspects, validations, assets, annotations, manifest)
 * on an empty rendering, then the file is written anew with the real one.
 * HCL output (SYNTH_HCL_OUTPUT) is left to cdktf's.
 */
export function streamedJson(stack: SealedStack, cdktf: IStackSynthesizer): IStackSynthesizer {
  return {
    synthesize(session: ISynthesisSession): void {
      if (['true', '1'].includes(process.env.SYNTH_HCL_OUTPUT ?? '')) return cdktf.synthesize(session);
      const rendering = stack.seal();
      stack.renderingEmptyWhile(() => cdktf.synthesize(session));
      writeStableJson(join(session.outdir, session.manifest.forStack(stack).synthesizedStackPath), rendering);
    },
  };
}
