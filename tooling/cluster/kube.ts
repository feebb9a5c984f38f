/**
 * A small client of the Kubernetes API, enough for the cluster test: get,
 * list, create, patch and delete objects, and a server-side dry run. It
 * speaks HTTPS to the local API server with its own CA and a bearer token.
 */
import { request } from 'node:https';

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are untyped JSON here */
export type KubeObject = any;

export class KubeError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly body: KubeObject,
  ) {
    super(message);
  }
}

export interface KubeEndpoint {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly token: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  readonly ca: string;
}

/** The API path of a kind: `/api/v1/namespaces/ns/pods`, `/apis/apps/v1/namespaces/ns/deployments`. */
export function apiPath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${plural}${name ? `/${name}` : ''}`;
}

export class Kube {
  constructor(private readonly endpoint: KubeEndpoint) {}

  /**
   * One request. A kept-alive connection the API server closed while it lay
   * idle fails the next request on it with ECONNRESET ("socket hang up")
   * before the server read it: that request is sent once more, on a new
   * connection (the pattern Node's http documentation gives for `reusedSocket`).
   */
  public call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeObject> {
    return this.send(method, path, body, contentType).catch((e: unknown) => {
      if (!(e instanceof StaleConnection)) throw e;
      return this.send(method, path, body, contentType);
    });
  }

  private send(method: string, path: string, body: unknown, contentType: string): Promise<KubeObject> {
    const url = new URL(path, this.endpoint.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: this.endpoint.ca,
          headers: {
            authorization: `Bearer ${this.endpoint.token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
          },
          timeout: 60_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => {
            const parsed = text ? safeJson(text) : {};
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(parsed);
            else
              reject(
                new KubeError(`${method} ${path}: ${status} ${parsed?.message ?? text.slice(0, 300)}`, status, parsed),
              );
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(req.reusedSocket && e.code === 'ECONNRESET' ? new StaleConnection(e.message) : e),
      );
      if (payload) req.write(payload);
      req.end();
    });
  }

  public get(path: string): Promise<KubeObject> {
    return this.call('GET', path);
  }

  /** The object, or undefined when it does not exist. */
  public async find(path: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(path);
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return undefined;
      throw e;
    }
  }

  public async list(path: string): Promise<KubeObject[]> {
    return ((await this.get(path)).items ?? []) as KubeObject[];
  }

  public create(path: string, object: KubeObject, dryRun = false): Promise<KubeObject> {
    return this.call('POST', `${path}${dryRun ? '?dryRun=All' : ''}`, object);
  }

  /** Creates the object, or leaves it when it exists (fixtures are applied once per cluster). */
  public async ensure(path: string, object: KubeObject): Promise<void> {
    try {
      await this.create(path, object);
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 409)) throw e;
    }
  }

  public patch(path: string, patch: KubeObject): Promise<KubeObject> {
    return this.call('PATCH', path, patch, 'application/merge-patch+json');
  }

  public delete(path: string): Promise<KubeObject> {
    return this.call('DELETE', path);
  }
}

/** A request that failed on a kept-alive connection the server had closed: it was never read. */
class StaleConnection extends Error {}

function safeJson(text: string): KubeObject {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) };
  }
}
