/**
 * The safety net under the behaviour tests: every environment in
 * ENVIRONMENTS, one snapshot entry per resource type (and for providers,
 * the terraform block, data sources and outputs), with embedded documents
 * parsed. A new environment gets its entries from `jest -u` with no edit
 * here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_NAMES, synthJson } from './helpers';
import { MAX_SNAPSHOT_LINE, longLines, readable } from './snapshot-view';

describe.each(ENV_NAMES)('%s', (name) => {
  const json = synthJson(name);

  it('terraform block and providers', () => {
    expect(readable({ terraform: json.terraform, provider: json.provider })).toMatchSnapshot();
  });

  it.each(Object.keys(json.resource).sort())('resource %s', (type) => {
    expect(readable(json.resource[type])).toMatchSnapshot();
  });

  it.each(Object.keys(json.data ?? {}).sort())('data %s', (type) => {
    expect(readable(json.data![type])).toMatchSnapshot();
  });

  it('outputs', () => {
    expect(json.output ?? {}).toMatchSnapshot();
  });
});

describe('snapshot files', () => {
  const dir = join(__dirname, '__snapshots__');

  it.each(readdirSync(dir).filter((f) => f.endsWith('.snap')))(
    `%s has no line over ${MAX_SNAPSHOT_LINE} characters`,
    (file) => {
      expect(longLines(readFileSync(join(dir, file), 'utf8'))).toEqual([]);
    },
  );

  it('the line check finds a planted long line', () => {
    expect(longLines(`short\n${'x'.repeat(MAX_SNAPSHOT_LINE + 1)}\nshort`)).toEqual([
      `line 2: ${MAX_SNAPSHOT_LINE + 1}`,
    ]);
  });

  it('parses Helm values and JSON held in strings, and leaves other text alone', () => {
    expect(
      readable({
        values: ['a:\n  b: 1\n', '{"c": [2]}'],
        data: { 'd.json': '{"e": true}', script: '{ echo; }', plain: 'text' },
      }),
    ).toEqual({
      values: [{ a: { b: 1 } }, { c: [2] }],
      data: { 'd.json': { e: true }, script: '{ echo; }', plain: 'text' },
    });
  });
});
