/**
 * The one JSON reader of files people edit (release files, plans): each
 * encoding it names and each it reads, and a key given twice wherever it
 * hides, next to the nearly-same documents that are fine.
 */
import { encodingProblem, parseStrictJson } from '../core/strict-json';

const bytes = (...b: number[]) => Uint8Array.from(b);
const refusal = (text: string | Uint8Array) => {
  try {
    parseStrictJson(text);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('encodings', () => {
  it.each<[string, Uint8Array, string | undefined]>([
    [
      'UTF-32 little-endian',
      bytes(0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0),
      'is UTF-32 (little-endian) encoded: save it as UTF-8',
    ],
    ['UTF-32 big-endian', bytes(0, 0, 0xfe, 0xff, 0, 0, 0, 0x7b), 'is UTF-32 (big-endian) encoded: save it as UTF-8'],
    ['UTF-16 little-endian', bytes(0xff, 0xfe, 0x7b, 0), 'is UTF-16 (little-endian) encoded: save it as UTF-8'],
    ['UTF-16 big-endian', bytes(0xfe, 0xff, 0, 0x7b), 'is UTF-16 (big-endian) encoded: save it as UTF-8'],
    ['UTF-16 LE without a mark', bytes(0x7b, 0, 0x7d, 0), 'is UTF-16 encoded (no byte-order mark): save it as UTF-8'],
    ['UTF-16 BE without a mark', bytes(0, 0x7b, 0, 0x7d), 'is UTF-16 encoded (no byte-order mark): save it as UTF-8'],
    ['UTF-8 with a mark', bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d), undefined],
    ['UTF-8', bytes(0x7b, 0x7d), undefined],
    ['one byte', bytes(0x31), undefined],
    ['one zero byte', bytes(0), undefined],
    [
      '0xff then not 0xfe (no UTF-16 mark, and no UTF-8 either)',
      bytes(0xff, 0x7b, 0x7d),
      'is not UTF-8 (byte 0xff at offset 0 cannot start or continue a UTF-8 character: Latin-1 or Windows-1252?): save it as UTF-8',
    ],
    [
      'Latin-1 text ("café")',
      bytes(0x7b, 0x22, 0x63, 0x61, 0x66, 0xe9, 0x22, 0x7d),
      'is not UTF-8 (byte 0xe9 at offset 5 cannot start or continue a UTF-8 character: Latin-1 or Windows-1252?): save it as UTF-8',
    ],
    ['UTF-8 text ("café")', bytes(0x7b, 0x22, 0x63, 0x61, 0x66, 0xc3, 0xa9, 0x22, 0x7d), undefined],
    [
      '0xfe 0xff is UTF-16 even when a zero pair follows',
      bytes(0xfe, 0xff, 0, 0),
      'is UTF-16 (big-endian) encoded: save it as UTF-8',
    ],
    ['0 0 0xfe then not 0xff', bytes(0, 0, 0xfe, 0x7b), 'is UTF-16 encoded (no byte-order mark): save it as UTF-8'],
  ])('%s', (_, input, problem) => {
    expect(encodingProblem(input)).toBe(problem);
  });

  it('reads a UTF-8 byte-order mark as nothing, and names bad JSON', () => {
    expect(parseStrictJson(bytes(0xef, 0xbb, 0xbf, 0x5b, 0x31, 0x5d))).toEqual([1]);
    expect(refusal('{"a":')).toMatch(/^is not valid JSON: /);
    expect(refusal('')).toMatch(/^is not valid JSON: /);
  });
});

describe('a key given twice', () => {
  it.each<[string, string, string]>([
    ['at the top', '{"a":1,"a":2}', 'the top level (line 1, column 8)'],
    ['after a nested object closes', '{"a":{"b":1},"a":2}', 'the top level (line 1, column 14)'],
    ['in a nested object', '{"s":{"m":{"x":1,"y":[1,2],"x":3}}}', 's.m (line 1, column 28)'],
    ['in an object in a list', '{"l":[{"k":1},{"k":1,"k":2}]}', 'l[] (line 1, column 22)'],
    ['after a string value with braces and quotes', '{"a":"}{\\"[","a":1}', 'the top level (line 1, column 14)'],
    ['after a string ending in a backslash', '{"a":"x\\\\","a":1}', 'the top level (line 1, column 12)'],
    ['on a later line', '{\n  "a": 1,\n  "b": {},\n  "a": 2\n}', 'the top level (line 4, column 3)'],
  ])('%s', (_, text, where) => {
    const key = /given twice/.exec(refusal(text)) ? refusal(text).split('"')[1] : 'none';
    expect(refusal(text)).toBe(
      `has a key "${key}" given twice in ${where}: JSON keeps only the last, so the file would not say what a reviewer reads; remove one`,
    );
  });

  it.each<[string, string]>([
    ['the same key in two sibling objects', '[{"a":1},{"a":1}]'],
    ['the same key in a parent and its child', '{"a":{"a":{"a":1}}}'],
    ['a value equal to a key', '{"a":"b","b":"a"}'],
    ['the same string twice in a list', '{"k":["a","a"],"j":["k","k"]}'],
    ['a key after a list of objects', '{"l":[{"x":1}],"x":2}'],
    ['keys after a closed list', '{"l":[1,[2]],"m":1,"n":{"l":1}}'],
    ['a lone string', '"a"'],
    ['escaped quotes in keys', '{"a\\"b":1,"a\\"c":2}'],
  ])('accepts %s', (_, text) => expect(refusal(text)).toBe('accepted'));
});
