/**
 * The README is a map and the depth lives in docs/: the README stays small,
 * every relative link of the README and docs/ resolves (file and heading),
 * and every alert the stacks can raise has the runbook its link points at.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expectedRoutes } from '../tooling/cluster/checks';
import { ENVIRONMENTS } from '../environments';
import { validateAll } from '../environments/validate';
import { clusterAlertRules, serviceAlertRules } from '../features/monitoring/alert-rules';
import { monitoringSchema } from '../features/monitoring/schema';
import { systemNames } from '../core/names';

const ROOT = join(__dirname, '..');
const README_MAX_BYTES = 12 * 1024;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return path.endsWith('.md') ? [path] : [];
  });
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a markdown text's headings (outside code blocks). */
function anchorsIn(text: string): Set<string> {
  let code = false;
  const anchors = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) code = !code;
    const heading = !code && /^#+ (.*)$/.exec(line);
    if (heading) anchors.add(anchorOf(heading[1]!));
  }
  return anchors;
}

/** Relative links of `file` that do not resolve, as `file: target`. */
export function brokenLinks(file: string, read: (path: string) => string | undefined): string[] {
  const text = read(file)!;
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const broken: string[] = [];
  for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target!)) continue;
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const to = path === '' ? file : resolve(dirname(file), path);
    const body = read(to);
    if (body === undefined || (anchor !== undefined && !anchorsIn(body).has(anchor))) {
      broken.push(`${relative(ROOT, file)}: ${target}`);
    }
  }
  return broken;
}

const readIfFile = (path: string) =>
  existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
const readOrDir = (path: string) =>
  existsSync(path) ? (statSync(path).isFile() ? readFileSync(path, 'utf8') : '') : undefined;

describe('the README and docs/', () => {
  const files = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];

  it(`keep the README a map: at most ${README_MAX_BYTES} bytes`, () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('have no relative link to a missing file or heading', () => {
    expect(files.length).toBeGreaterThan(8);
    expect(files.flatMap((f) => brokenLinks(f, readOrDir))).toEqual([]);
  });

  it('find a planted broken link, to a file and to a heading', () => {
    const docs: Record<string, string> = {
      '/d/a.md': '# A\n\n## Two words\n\n[ok](b.md#b) [ok](#two-words) [bad](c.md) [bad](b.md#nope) `[no](x.md)`',
      '/d/b.md': '# B\n',
    };
    expect(brokenLinks('/d/a.md', (p) => docs[p])).toEqual([
      `${relative(ROOT, '/d/a.md')}: c.md`,
      `${relative(ROOT, '/d/a.md')}: b.md#nope`,
    ]);
  });

  it('give every alert the stacks can raise a runbook where its link points', () => {
    const base = monitoringSchema.shape.runbookBaseUrl.parse(undefined);
    expect(base).toMatch(/\/docs\/runbooks\/README\.md$/);
    const runbooks = anchorsIn(readIfFile(join(ROOT, 'docs/runbooks/README.md'))!);
    // The anchors are the alerts' kinds, the same for every system.
    const all = {
      runbookBaseUrl: base,
      system: systemNames('chat'),
      service: 'chat',
      namespace: 'ns',
      live: 'blue' as const,
    };
    const rules = [
      ...clusterAlertRules(all).rules,
      ...serviceAlertRules({ ...all, autoscaled: true, database: true, didResponder: 'did' }).rules,
    ];
    expect(rules.length).toBeGreaterThan(10);
    const missing = rules
      .map((r) => r.annotations.runbook_url.split('#')[1]!)
      .filter((anchor) => !runbooks.has(anchor));
    expect(missing).toEqual([]);
  });

  it('hold the edge table the cluster test reads its routes from (docs/edge.md)', () => {
    const production = validateAll(ENVIRONMENTS).find((e) => e.name === 'production')!;
    const routes = expectedRoutes(readIfFile(join(ROOT, 'docs/edge.md'))!, production, 'mls-server');
    expect(routes.map((r) => r.name)).toEqual(['mls-server-xrpc', 'mls-server-public', 'mls-server-preview']);
    expect(routes.every((r) => r.routes.length > 0)).toBe(true);
  });
});
