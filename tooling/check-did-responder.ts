/**
 * Policy gate step: serves each stack's DID responder ConfigMap with a real
 * nginx on loopback and checks what a client sees: the document as
 * application/json with CORS *, a health path, 404 for anything else.
 * nginx comes from Debian's package.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DID_DOCUMENT_PATH } from '../core/names';
import { ensureDebianProgram } from './debian';

/** A TCP port free on loopback right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });

/** nginx from Debian's packages (nginx-light where there is one), installed when missing. */
export const ensureNginx = (): string | undefined =>
  ensureDebianProgram(
    { paths: ['/usr/sbin/nginx', '/usr/local/sbin/nginx'], versionArg: '-v' },
    ['nginx-light', 'nginx'],
    'to check the DID responder',
  );

interface ConfigMap {
  readonly metadata: { readonly name: string };
  readonly data?: Record<string, string>;
}

/** The ConfigMaps of `stack` that hold a DID responder (did.json + default.conf). */
function responders(stackFile: string): (ConfigMap & { data: Record<string, string> })[] {
  const json = JSON.parse(readFileSync(stackFile, 'utf8')) as {
    resource?: { kubernetes_config_map_v1?: Record<string, ConfigMap> };
  };
  return Object.values(json.resource?.kubernetes_config_map_v1 ?? {}).filter(
    (c): c is ConfigMap & { data: Record<string, string> } => !!c.data?.['did.json'] && !!c.data?.['default.conf'],
  );
}

/** Writes an nginx config that serves `config`'s server block on loopback from `dir`. */
function writeNginxConfig(dir: string, config: { data: Record<string, string> }, port: number): void {
  // Readable by nginx's worker user, as a ConfigMap mount is by the pod's.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(join(dir, 'did.json'), config.data['did.json']!);
  // The committed server block, only moved to loopback and a scratch directory.
  writeFileSync(
    join(dir, 'conf.d/default.conf'),
    config.data['default.conf']!.replace(/listen \d+;/, `listen 127.0.0.1:${port};`).replace(
      '/usr/share/nginx/did/did.json',
      join(dir, 'did.json'),
    ),
  );
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      'events {}',
      'http {',
      '  include /etc/nginx/mime.types;',
      `  access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
      `  include ${dir}/conf.d/*.conf;`,
      '}',
      '',
    ].join('\n'),
  );
}

/** GET on loopback, retried while nginx starts. */
async function get(port: number, path: string): Promise<Response> {
  for (let i = 0; i < 50; i++) {
    try {
      return await fetch(`http://127.0.0.1:${port}${path}`);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nginx did not answer on port ${port}`);
}

/** What a client sees of one responder: problems, empty when it serves as it must. */
async function probe(name: string, port: number, document: string): Promise<string[]> {
  const problems: string[] = [];
  const doc = await get(port, DID_DOCUMENT_PATH);
  const body = await doc.text();
  const type = doc.headers.get('content-type');
  const cors = doc.headers.get('access-control-allow-origin');
  if (doc.status !== 200) problems.push(`${name}: ${DID_DOCUMENT_PATH} answered ${doc.status}`);
  if (type !== 'application/json') problems.push(`${name}: Content-Type is ${type}, not application/json`);
  if (cors !== '*') problems.push(`${name}: Access-Control-Allow-Origin is ${cors}`);
  if (body !== document) problems.push(`${name}: the body is not the ConfigMap's did.json`);
  if ((await get(port, '/healthz')).status !== 200) problems.push(`${name}: /healthz is not 200`);
  if ((await get(port, '/metrics')).status !== 404) problems.push(`${name}: /metrics is not 404`);
  console.log(`${name}: nginx serves did.json (${doc.status}, ${type}, CORS ${cors}), /healthz 200, anything else 404`);
  return problems;
}

/** Checks every responder of `stackFile`; returns a list of problems (empty when all is well). */
export async function checkDidResponders(nginx: string, stack: string, stackFile: string): Promise<string[]> {
  const problems: string[] = [];
  for (const config of responders(stackFile)) {
    const name = `${stack}/${config.metadata.name}`;
    const dir = mkdtempSync(join(tmpdir(), 'did-'));
    const port = await freePort();
    writeNginxConfig(dir, config, port);
    const server = spawn(nginx, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    try {
      problems.push(...(await probe(name, port, config.data['did.json']!)));
    } catch (e) {
      problems.push(`${name}: ${(e as Error).message}`);
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return problems;
}
