/**
 * The release analysis program (features/release/analysis/analysis.sh), run
 * as its Job runs it: busybox sh and busybox's own wget, awk, sed and grep
 * (the applets of Debian's busybox, first on the PATH), against a local HTTP
 * server that plays both the new colour and Prometheus's query API.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxApplets } from '../../tooling/debian';
import { Verdict, parseVerdict } from '../../features/release/analysis/verdict';
import { ROOT } from './project-copy';

const PROGRAM = join(ROOT, 'features/release/analysis/analysis.sh');

/** What the fake Prometheus answers for a query, by the query's text: one answer, or one per call (the last repeats). */
type Answer = { json: object } | { status: number } | 'hang';
let answers: Record<string, Answer | Answer[]> = {};
let loadRequests = 0;
let server: Server;
let base = '';
let dir: string;
let applets: string;

const vector = (...values: string[]) => ({
  json: {
    status: 'success',
    data: {
      resultType: 'vector',
      result: values.map((v, i) => ({ metric: { pod: `p${i}` }, value: [1700000000.5, v] })),
    },
  },
});

function answerFor(query: string): Answer {
  const given = answers[query];
  if (!Array.isArray(given)) return given ?? { json: { status: 'error', error: 'unknown query "x"\\' } };
  return given.length > 1 ? given.shift()! : given[0]!;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, 'http://x');
  if (url.pathname === '/api/v1/query') {
    const answer = answerFor(url.searchParams.get('query')!);
    if (answer === 'hang') return;
    if ('status' in answer) {
      res.writeHead(answer.status).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
    return;
  }
  if (req.headers['user-agent'] === 'release-analysis') loadRequests++;
  if (url.pathname === '/health') res.writeHead(200).end('ok');
  else if (url.pathname === '/xrpc/blue.catbird.mls.getKeyPackages') res.writeHead(401).end();
  else if (url.pathname === '/slow') setTimeout(() => res.writeHead(200).end(), 700);
  else if (url.pathname === '/hang') return;
  else res.writeHead(500).end();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'analysis-'));
  applets = busyboxApplets(dir);
  mkdirSync(join(dir, 'tmp'));
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => server?.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  answers = {};
  loadRequests = 0;
});

/**
 * Runs the program over `checks`; resolves to its exit code, output, the
 * verdict file's text and the verdict it holds. Asynchronous: the fake
 * server answers from this process.
 */
async function analyse(checks: string[], env: Record<string, string> = {}) {
  const checksFile = join(dir, 'checks');
  const verdictFile = join(dir, 'verdict');
  writeFileSync(checksFile, `${checks.join('\n')}\n`);
  writeFileSync(verdictFile, '');
  const started = Date.now();
  const child = spawn(join(applets, 'sh'), [PROGRAM], {
    env: {
      PATH: applets,
      TMPDIR: join(dir, 'tmp'),
      TARGET_URL: base,
      PROMETHEUS_URL: base,
      CHECKS_FILE: checksFile,
      VERDICT_FILE: verdictFile,
      REQUEST_TIMEOUT: '1',
      ANALYSIS_NAMESPACE: 'production',
      ANALYSIS_SERVICE: 'mls-server',
      ANALYSIS_WHEN: 'post',
      ANALYSIS_RELEASE: '1.5.0',
      ANALYSIS_STAGE: '3',
      ...env,
    },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.resume();
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const text = readFileSync(verdictFile, 'utf8').trim();
  return { code, out, text, verdict: parseVerdict(text) as Verdict, seconds: (Date.now() - started) / 1000 };
}

const q = (query: string) => encodeURIComponent(query);
const SMOKE = ['smoke health GET /health 200 2000', 'smoke xrpc GET /xrpc/blue.catbird.mls.getKeyPackages 401 2000'];
/** A metric line: measured `count` times, 1 s apart (0 s when `interval` says so), with optional limits and samples. */
const metric = (
  name: string,
  query: string,
  kind = 'max',
  threshold = '0.01',
  count = 2,
  limit = 0,
  more: { interval?: number; unsure?: number; fast?: string; samples?: [string, number] } = {},
) =>
  [
    'metric',
    name,
    kind,
    threshold,
    more.fast ?? '-',
    more.interval ?? 0,
    count,
    limit,
    more.unsure ?? 0,
    more.samples?.[1] ?? '-',
    q(query),
    more.samples ? q(more.samples[0]) : '-',
  ].join(' ');

describe('the release analysis program', () => {
  it('passes when every smoke check answers as expected and every measurement is within its bound', async () => {
    answers = { error_ratio: vector('0.004', '0.002'), restarts: vector('0'), room: vector('9') };
    const result = await analyse([
      ...SMOKE,
      metric('error_ratio', 'error_ratio'),
      metric('restarts', 'restarts', 'max', '0', 1),
      metric('quota_room', 'room', 'min', '7', 1),
    ]);
    expect(result.verdict).toMatchObject({
      verdict: 'PASS',
      namespace: 'production',
      service: 'mls-server',
      when: 'post',
      release: '1.5.0',
      stage: 3,
    });
    expect(result.verdict.summary).toMatch(/^2 smoke checks, 3 metric checks over 0 s: /);
    expect(result.verdict.summary).toContain('error_ratio = 0.004');
    expect(result.verdict.summary).toContain('quota_room = 9');
    expect(result.verdict.checks).toContainEqual({
      name: 'quota_room',
      result: 'pass',
      value: '9',
      failed: 0,
      inconclusive: 0,
      measured: 1,
    });
    expect(result.code).toBe(0);
    // One line of JSON, as Terraform reads it, and nothing left in the temporary directory.
    expect(result.text.split('\n')).toHaveLength(1);
    expect(result.out.trim().split('\n').pop()).toBe(result.text);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it.each<[string, string[], Record<string, Answer | Answer[]>, RegExp]>([
    [
      'a smoke check answering another status',
      ['smoke health GET /nope 200 2000'],
      {},
      /^smoke health: GET \/nope answered 500, not 200$/,
    ],
    [
      'a smoke check that times out',
      ['smoke hang GET /hang 200 2000'],
      {},
      /^smoke hang: GET \/hang got no answer in 1 s/,
    ],
    [
      'a metric above its maximum (the worst series counts)',
      [metric('error_ratio', 'error_ratio')],
      { error_ratio: vector('0.002', '0.231') },
      /^error_ratio = 0\.231, must be at most 0\.01 \(1 of 1 measurements failed; 0 allowed\)$/,
    ],
    [
      'a metric below its minimum',
      [metric('quota_room', 'room', 'min', '7', 1)],
      { room: vector('3') },
      /^quota_room = 3, must be at least 7 \(1 of 1 measurements failed; 0 allowed\)$/,
    ],
    [
      'most measurements with data failing, within the limit',
      [metric('error_ratio', 'error_ratio', 'max', '0.01', 3, 2)],
      { error_ratio: [vector('0.2'), vector('0.001'), vector('0.3')] },
      /^error_ratio = 0\.3, must be at most 0\.01 \(2 of the 3 measurements with data failed\)$/,
    ],
    [
      'one measurement beyond the fail-fast bound',
      [metric('error_ratio', 'error_ratio', 'max', '0.01', 5, 2, { fast: '0.5', interval: 1 })],
      { error_ratio: vector('0.97') },
      /^error_ratio = 0\.97, must be at most 0\.01: measurement 1 crossed the fail-fast bound 0\.5$/,
    ],
  ])('fails on %s, naming the check and its value, and exits 0', async (_what, checks, given, summary) => {
    answers = given;
    const result = await analyse(checks);
    expect(result.verdict.verdict).toBe('FAIL');
    expect(result.verdict.summary).toMatch(summary);
    expect(result.code).toBe(0);
  });

  it('fails on a smoke check slower than its limit, naming the check and its value, and exits 0', async () => {
    // A request timeout well above /slow's 700 ms: the table's 1 s left 0.3 s for busybox's
    // wget to start and answer, too little on a loaded machine (it once read "no answer in 1 s").
    const result = await analyse(['smoke slow GET /slow 200 500'], { REQUEST_TIMEOUT: '5' });
    expect(result.verdict.verdict).toBe('FAIL');
    expect(result.verdict.summary).toMatch(/^smoke slow: GET \/slow took \d+ ms, more than 500 ms$/);
    expect(result.code).toBe(0);
  });

  it.each<[string, Record<string, Answer | Answer[]>, RegExp]>([
    ['Prometheus unreachable', { error_ratio: { status: 503 } }, /\(Prometheus unreachable .*\)/],
    ['a query that returns no series', { error_ratio: vector() }, /\(no data\)/],
    ['a query that returns NaN', { error_ratio: vector('NaN') }, /\(no number \(NaN \)\)/],
    ['a Prometheus that hangs past the timeout', { error_ratio: 'hang' }, /\(Prometheus unreachable .*\)/],
    ['a query error', {}, /\(query error .*unknown query/],
    [
      'fewer samples than its minimum',
      { error_ratio: vector('0.9'), n: vector('12') },
      /\(0\.9 on 12 samples, fewer than 50\)/,
    ],
  ])('gives no verdict on %s: neither a pass nor a failure', async (_what, given, why) => {
    answers = given;
    const result = await analyse([metric('error_ratio', 'error_ratio', 'max', '0.01', 1, 0, { samples: ['n', 50] })]);
    expect(result.verdict.verdict).toBe('INCONCLUSIVE');
    expect(result.verdict.summary).toMatch(
      /^error_ratio: 1 of 1 measurements had no trustworthy data \(0 allowed\); last: /,
    );
    expect(result.verdict.summary).toMatch(why);
    expect(result.code).toBe(0);
  });

  it('judges on enough samples', async () => {
    answers = { error_ratio: vector('0.9'), n: vector('50') };
    const result = await analyse([metric('error_ratio', 'error_ratio', 'max', '0.01', 1, 0, { samples: ['n', 50] })]);
    expect(result.verdict.verdict).toBe('FAIL');
  });

  it('allows measurements without data up to the limit, and no more', async () => {
    const check = metric('error_ratio', 'error_ratio', 'max', '0.01', 3, 0, { unsure: 1 });
    answers = { error_ratio: [{ status: 503 }, vector('0.001')] };
    expect((await analyse([check])).verdict.verdict).toBe('PASS');
    answers = { error_ratio: [{ status: 503 }, vector()] };
    expect((await analyse([check])).verdict.verdict).toBe('INCONCLUSIVE');
  });

  it('allows failed measurements up to the limit while most hold', async () => {
    answers = { error_ratio: [vector('0.2'), vector('0.001')] };
    expect((await analyse([metric('error_ratio', 'error_ratio', 'max', '0.01', 3, 1)])).verdict.verdict).toBe('PASS');
    answers = { error_ratio: vector('0.5') };
    expect((await analyse([metric('error_ratio', 'error_ratio', 'max', '0.01', 3, 2)])).verdict.summary).toMatch(
      /\(3 of 3 measurements failed; 2 allowed\)$/,
    );
  });

  it('stops at the first failed check instead of waiting out the others', async () => {
    answers = { a: vector('1'), b: vector('0') };
    const result = await analyse([
      metric('first', 'a', 'max', '0', 1, 0, { interval: 1 }),
      metric('long', 'b', 'max', '0', 30, 0, { interval: 1 }),
    ]);
    expect(result.verdict.verdict).toBe('FAIL');
    expect(result.seconds).toBeLessThan(10);
  });

  it('reports every failing metric check; a failure outweighs a check without data', async () => {
    answers = { a: vector('1'), b: vector('2') };
    expect(
      (await analyse([metric('first', 'a', 'max', '0'), metric('second', 'b', 'max', '0')])).verdict.summary,
    ).toMatch(/^(first = 1.*; second = 2.*|second = 2.*; first = 1.*)$/);
    answers = { a: vector('1'), b: vector() };
    expect(
      (await analyse([metric('first', 'a', 'max', '0', 1), metric('second', 'b', 'max', '0', 1)])).verdict.verdict,
    ).toBe('FAIL');
  });

  it('sends its own bounded load to the colour while it measures', async () => {
    answers = { a: vector('0') };
    const result = await analyse([
      'load 4 /health /xrpc/blue.catbird.mls.getKeyPackages',
      metric('a', 'a', 'max', '0', 3, 0, { interval: 1 }),
    ]);
    expect(result.verdict.verdict).toBe('PASS');
    // 4 a second for about 3 s, and not after the verdict.
    expect(loadRequests).toBeGreaterThanOrEqual(6);
    expect(loadRequests).toBeLessThanOrEqual(20);
    const after = loadRequests;
    await new Promise((r) => setTimeout(r, 1500));
    expect(loadRequests).toBe(after);
  }, 20_000);

  it('writes a verdict JSON reads back whatever the text it quotes', async () => {
    answers = { a: { json: { status: 'error', error: 'bad "quote" \\ and\ttab' } } };
    const result = await analyse([metric('a', 'a', 'max', '0', 1)]);
    expect(result.verdict.summary).toContain('bad \\"quote\\"');
  });

  it('refuses a check it does not know, with a verdict', async () => {
    expect((await analyse(['probe x'])).verdict).toMatchObject({
      verdict: 'FAIL',
      summary: `unknown check kind "probe" in ${join(dir, 'checks')}`,
    });
  });
});
