/**
 * The streamed writer of a stack's JSON (stacks/streamed-json.ts) against
 * the writer cdktf itself uses (its own copy of json-stable-stringify), on
 * the shapes where the two could part: empty arrays and objects, undefined
 * and functions, toJSON, key order of numbers and non-ASCII keys, escapes,
 * and a buffer flushed mid-document. And synth writes through it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeStableJson } from '../stacks/streamed-json';

// cdktf's own writer, not the one a test would pick: resolved from cdktf's package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdktfStringify: (v: unknown, o: { space: number }) => string = require(
  require.resolve('json-stable-stringify', { paths: [dirname(require.resolve('cdktf'))] }),
);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'streamed-json-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const streamed = (value: object, flushAt?: number) => {
  const file = join(dir, 'out.json');
  writeStableJson(file, value, flushAt);
  return readFileSync(file, 'utf8');
};

describe('writeStableJson', () => {
  it.each<[string, object]>([
    ['empty object', {}],
    ['empty array', []],
    ['empty array and object, nested', { a: [], b: {}, c: [[], {}], d: { e: { f: [] } } }],
    ['undefined keys left out, undefined items null', { a: undefined, b: [undefined, 1], c: 1 }],
    ['functions and symbols as undefined', { f: () => 1, s: Symbol('x'), list: [() => 1, Symbol('y')], k: 0 }],
    ['null, booleans, numbers', { n: null, t: true, f: false, i: -0, x: 1.5e300, y: NaN, z: Infinity }],
    ['key order: numbers as strings, case, non-ASCII', { '10': 1, '9': 2, b: 3, B: 4, é: 5, a: 6, '': 7, '1a': 8 }],
    ['escapes', { 'quote"key': 'line\nbreak\ttab "q" \\ \u0001 \u2028 ’ 😀', '${x}': '${aws_s3_bucket.b.arn}' }],
    [
      'toJSON, nested and in arrays',
      { d: new Date(0), o: { toJSON: () => ({ z: 1, a: [] }) }, l: [{ toJSON: () => 'x' }] },
    ],
    ['arrays of objects of arrays', { resource: { a: [{ b: [{ c: [1, { d: [] }] }] }] } }],
  ])('%s: as cdktf writes it', (_what, value) => {
    expect(streamed(value)).toBe(cdktfStringify(value, { space: 2 }));
  });

  it.each([64, 1000])('a document larger than the buffer, flushed mid-way (every %s characters)', (flushAt) => {
    const value = {
      items: Array.from({ length: 300 }, (_, i) => ({
        name: `item-${i}`,
        values: [i, `${i}`.repeat(20)],
        empty: {},
      })),
    };
    const text = streamed(value, flushAt);
    expect(text.length).toBeGreaterThan(20 * flushAt);
    expect(text).toBe(cdktfStringify(value, { space: 2 }));
  });

  it('writes a document larger than the default buffer (1 MiB)', () => {
    const value = { items: Array.from({ length: 3000 }, (_, i) => ({ name: `item-${i}`, text: 'x'.repeat(400) })) };
    const text = streamed(value);
    expect(text.length).toBeGreaterThan(1 << 20);
    expect(text).toBe(cdktfStringify(value, { space: 2 }));
  });

  it('refuses a cycle, as JSON does', () => {
    const value: Record<string, unknown> = { a: 1 };
    value.self = { back: value };
    expect(() => streamed(value)).toThrow('Converting circular structure to JSON');
  });

  it('writes an object met twice that is not a cycle', () => {
    const shared = { x: [1] };
    const value = { a: shared, b: shared };
    expect(streamed(value)).toBe(cdktfStringify(value, { space: 2 }));
  });
});

describe('synth', () => {
  it('writes each stack as cdktf would (the same bytes as its writer on the same rendering)', () => {
    const text = readFileSync(join(process.env.JEST_SYNTH_DIR!, 'stacks', 'staging', 'cdk.tf.json'), 'utf8');
    expect(text.length).toBeGreaterThan(100_000);
    expect(text).toBe(cdktfStringify(JSON.parse(text), { space: 2 }));
  });
});
