/**
 * The release analysis program (features/release/analysis/analysis.sh), run
 * as its Job runs it: busybox sh and busybox's own wget, awk, sed and grep
 * (the applets of Debian's busybox, first on the PATH), against a local HTTP
 * server that plays both the new colour and Prometheus's query API.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianProgram } from '../../bin/debian';
import { ROOT } from './project-copy';

const PROGRAM = join(ROOT, 'features/release/analysis/analysis.sh');

/** What the fake Prometheus answers for a query, by the query's text. */
type Answer = { json: object } | { status: number } | 'hang';
let answers: Record<string, Answer> = {};
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

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, 'http://x');
  if (url.pathname === '/api/v1/query') {
    const answer = answers[url.searchParams.get('query')!] ?? { json: { status: 'error', error: 'unknown query' } };
    if (answer === 'hang') return;
    if ('status' in answer) {
      res.writeHead(answer.status).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
    return;
  }
  if (url.pathname === '/health') res.writeHead(200).end('ok');
  else if (url.pathname === '/xrpc/blue.catbird.mls.getKeyPackages') res.writeHead(401).end();
  else if (url.pathname === '/slow') setTimeout(() => res.writeHead(200).end(), 700);
  else if (url.pathname === '/hang') return;
  else res.writeHead(500).end();
}

beforeAll(async () => {
  const busybox = ensureDebianProgram(
    { paths: ['/usr/bin/busybox', '/bin/busybox'], versionArg: '--help' },
    ['busybox'],
    'to run the release analysis as its image does',
  );
  if (!busybox) throw new Error('busybox is not installed and cannot be installed here');
  dir = mkdtempSync(join(tmpdir(), 'analysis-'));
  applets = join(dir, 'bin');
  spawnSync(busybox, ['mkdir', '-p', applets]);
  spawnSync(busybox, ['--install', '-s', applets]);
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
});

/**
 * Runs the program over `checks`; resolves to its exit code, output and
 * verdict file. Asynchronous: the fake server answers from this process.
 */
async function analyse(checks: string[], env: Record<string, string> = {}) {
  const checksFile = join(dir, 'checks');
  const verdictFile = join(dir, 'verdict');
  writeFileSync(checksFile, `${checks.join('\n')}\n`);
  writeFileSync(verdictFile, '');
  const child = spawn(join(applets, 'sh'), [PROGRAM], {
    env: {
      PATH: applets,
      TARGET_URL: base,
      PROMETHEUS_URL: base,
      CHECKS_FILE: checksFile,
      VERDICT_FILE: verdictFile,
      FAIL_EXIT: '1',
      REQUEST_TIMEOUT: '1',
      ...env,
    },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.resume();
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, out, verdict: readFileSync(verdictFile, 'utf8').trim() };
}

const q = (query: string) => encodeURIComponent(query);
const SMOKE = ['smoke health GET /health 200 2000', 'smoke xrpc GET /xrpc/blue.catbird.mls.getKeyPackages 401 2000'];
const metric = (name: string, query: string, kind = 'max', threshold = '0.01', count = 2, limit = 0) =>
  `metric ${name} ${kind} ${threshold} 0 ${count} ${limit} ${q(query)}`;

describe('the release analysis program', () => {
  it('passes when every smoke check answers as expected and every measurement is within its bound', async () => {
    answers = { error_ratio: vector('0.004', '0.002'), restarts: vector('0'), room: vector('9') };
    const result = await analyse([
      ...SMOKE,
      metric('error_ratio', 'error_ratio'),
      metric('restarts', 'restarts', 'max', '0', 1),
      metric('quota_room', 'room', 'min', '7', 1),
    ]);
    expect(result.verdict).toMatch(/^PASS: 2 smoke checks, 3 metric checks over 0 s: /);
    expect(result.verdict).toContain('error_ratio = 0.004');
    expect(result.verdict).toContain('quota_room = 9');
    expect(result.code).toBe(0);
  });

  it.each<[string, string[], Record<string, Answer>, RegExp]>([
    [
      'a smoke check answering another status',
      ['smoke health GET /nope 200 2000'],
      {},
      /^FAIL: smoke health: GET \/nope answered 500, not 200$/,
    ],
    [
      'a smoke check slower than its limit',
      ['smoke slow GET /slow 200 500'],
      {},
      /^FAIL: smoke slow: GET \/slow took \d+ ms, more than 500 ms$/,
    ],
    [
      'a smoke check that times out',
      ['smoke hang GET /hang 200 2000'],
      {},
      /^FAIL: smoke hang: GET \/hang got no answer in 1 s/,
    ],
    [
      'a metric above its maximum (the worst series counts)',
      [metric('error_ratio', 'error_ratio')],
      { error_ratio: vector('0.002', '0.231') },
      /^FAIL: error_ratio = 0\.231, must be at most 0\.01 \(2 of 2 measurements failed; 0 allowed\)$/,
    ],
    [
      'a metric below its minimum',
      [metric('quota_room', 'room', 'min', '7', 1)],
      { room: vector('3') },
      /^FAIL: quota_room = 3, must be at least 7 \(1 of 1 measurements failed; 0 allowed\)$/,
    ],
    [
      'Prometheus unreachable',
      [metric('error_ratio', 'error_ratio', 'max', '0.01', 1)],
      { error_ratio: { status: 503 } },
      /^FAIL: error_ratio = \(Prometheus unreachable .*\), must be at most 0\.01 \(1 of 1/,
    ],
    [
      'a query that returns no series',
      [metric('error_ratio', 'error_ratio', 'max', '0.01', 1)],
      { error_ratio: vector() },
      /^FAIL: error_ratio = \(no data\), must be at most 0\.01/,
    ],
    [
      'a query that returns NaN',
      [metric('error_ratio', 'error_ratio', 'max', '0.01', 1)],
      { error_ratio: vector('NaN') },
      /^FAIL: error_ratio = \(no number \(NaN \)\), must be at most 0\.01/,
    ],
    [
      'a query error',
      [metric('error_ratio', 'error_ratio(', 'max', '0.01', 1)],
      {},
      /^FAIL: error_ratio = \(query error .*unknown query.*\)/,
    ],
    [
      'a Prometheus that hangs past the timeout',
      [metric('error_ratio', 'error_ratio', 'max', '0.01', 1)],
      { error_ratio: 'hang' },
      /^FAIL: error_ratio = \(Prometheus unreachable .*\)/,
    ],
  ])('fails on %s, naming the check and its value', async (_what, checks, given, verdict) => {
    answers = given;
    const result = await analyse(checks);
    expect(result.verdict).toMatch(verdict);
    expect(result.out.trim().split('\n').pop()).toBe(result.verdict);
    expect(result.code).toBe(1);
  });

  it('allows up to the failure limit, and no more', async () => {
    answers = { error_ratio: vector('0.5') };
    expect((await analyse([metric('error_ratio', 'error_ratio', 'max', '0.01', 3, 3)])).code).toBe(0);
    expect((await analyse([metric('error_ratio', 'error_ratio', 'max', '0.01', 3, 2)])).verdict).toMatch(
      /\(3 of 3 measurements failed; 2 allowed\)$/,
    );
  });

  it('reports every failing metric check at once', async () => {
    answers = { a: vector('1'), b: vector('2') };
    expect((await analyse([metric('first', 'a', 'max', '0'), metric('second', 'b', 'max', '0')])).verdict).toMatch(
      /^FAIL: (first = 1.*; second = 2.*|second = 2.*; first = 1.*)$/,
    );
  });

  it('exits 0 on a failed verdict when told to (before a promotion Terraform reads the verdict instead)', async () => {
    const result = await analyse(['smoke health GET /nope 200 2000'], { FAIL_EXIT: '0' });
    expect(result.verdict).toMatch(/^FAIL: /);
    expect(result.code).toBe(0);
  });

  it('refuses a check it does not know', async () => {
    expect((await analyse(['probe x'])).verdict).toBe(`FAIL: unknown check kind "probe" in ${join(dir, 'checks')}`);
  });
});
