/**
 * A small JSON client for the Kubernetes API with the kubeconfig's TLS and credentials. Controllers use it instead
 * of the typed client-node models because those turn timestamps into Dates and drop unknown fields; Sedna objects
 * stay plain JSON end to end.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import { apiVersionOf, findKind, type KindDefinition, type KubeObject } from '@sedna/api';
import type { KindName, ObjectOf } from './kinds.js';

export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiStatusError && err.code === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof ApiStatusError && err.code === 409;
}
/** 422 Invalid: the object broke a validation rule (its message names the field and the limit). */
export function isInvalid(err: unknown): err is ApiStatusError {
  return err instanceof ApiStatusError && err.code === 422;
}

export interface KubeClientOptions {
  /**
   * Send requests as plain HTTP over this Unix socket instead of to the kubeconfig's server: the embedded API
   * server's local socket (same host, owner-only; the token is still sent). TLS costs more than the request itself
   * for the small status writes the GM makes by the thousand.
   */
  socketPath?: string;
}

/** The writes (and the one uncached read) controllers make: KubeClient on an API, RecordingClient in tests. */
export interface ObjectClient {
  get(kind: string, namespace: string, name: string): Promise<KubeObject>;
  create(kind: string, namespace: string, body: Record<string, unknown>): Promise<KubeObject>;
  mergePatch(kind: string, namespace: string, name: string, patch: Record<string, unknown>, subresource?: 'status'): Promise<KubeObject>;
  delete(kind: string, namespace: string, name: string, options?: Record<string, unknown>): Promise<KubeObject>;
  /** PUT: the whole object replaced (fields absent from `body` go). */
  replace(kind: string, namespace: string, name: string, body: Record<string, unknown>): Promise<KubeObject>;
}

export class KubeClient implements ObjectClient {
  private readonly agentCache = new Map<string, https.Agent>();
  private readonly socketAgent: http.Agent | undefined;

  constructor(
    readonly kc: k8s.KubeConfig,
    private readonly options: KubeClientOptions = {},
  ) {
    if (options.socketPath !== undefined) this.socketAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const opts: https.RequestOptions = { method, headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}) } };
    await this.kc.applyToHTTPSOptions(opts);
    if (this.socketAgent) {
      const headers = opts.headers as Record<string, string | number>;
      return this.send(http.request, new URL(path, 'http://localhost'), { method, headers, agent: this.socketAgent, socketPath: this.options.socketPath as string }, method, path, payload);
    }
    const url = new URL(path, cluster.server);
    // Keep connections alive: controllers make many small requests.
    const key = `${url.host}`;
    let agent = this.agentCache.get(key);
    if (!agent) {
      // A bounded pool: hundreds of concurrent reports should share warm TLS connections, not open one each.
      agent = new https.Agent({ keepAlive: true, maxSockets: 16, ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.cert ? { cert: opts.cert } : {}), ...(opts.key ? { key: opts.key } : {}) });
      this.agentCache.set(key, agent);
    }
    if (url.protocol === 'https:') opts.agent = agent;
    return this.send(url.protocol === 'https:' ? https.request : http.request, url, opts, method, path, payload);
  }

  private send<T>(send: typeof http.request, url: URL, opts: http.RequestOptions, method: string, path: string, payload: Buffer | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = send(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 500;
          if (code >= 300) {
            let reason = 'Unknown';
            let message = text;
            try {
              const status = JSON.parse(text) as { reason?: string; message?: string };
              reason = status.reason ?? reason;
              message = status.message ?? text;
            } catch {
              // not a Status object
            }
            reject(new ApiStatusError(code, reason, `${method} ${path}: ${code} ${message}`));
          } else resolve((text ? JSON.parse(text) : undefined) as T);
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  path(def: KindDefinition, namespace: string | undefined, name?: string, subresource?: string): string {
    const base = def.group === '' ? `/api/${def.version}` : `/apis/${apiVersionOf(def)}`;
    const ns = def.namespaced && namespace ? `/namespaces/${namespace}` : '';
    return `${base}${ns}/${def.plural}${name ? `/${name}` : ''}${subresource ? `/${subresource}` : ''}`;
  }

  private def(kind: string): KindDefinition {
    const def = findKind(kind);
    if (!def) throw new Error(`unknown kind ${kind}`);
    return def;
  }

  get(kind: string, namespace: string, name: string): Promise<KubeObject> {
    return this.request('GET', this.path(this.def(kind), namespace, name));
  }

  create(kind: string, namespace: string, body: Record<string, unknown>): Promise<KubeObject> {
    const def = this.def(kind);
    return this.request('POST', this.path(def, namespace), { apiVersion: apiVersionOf(def), kind: def.kind, ...body });
  }

  mergePatch(kind: string, namespace: string, name: string, patch: Record<string, unknown>, subresource?: 'status'): Promise<KubeObject> {
    return this.request('PATCH', this.path(this.def(kind), namespace, name, subresource), patch, 'application/merge-patch+json');
  }

  delete(kind: string, namespace: string, name: string, options: Record<string, unknown> = {}): Promise<KubeObject> {
    return this.request('DELETE', this.path(this.def(kind), namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...options });
  }

  replace(kind: string, namespace: string, name: string, body: Record<string, unknown>): Promise<KubeObject> {
    const def = this.def(kind);
    return this.request('PUT', this.path(def, namespace, name), { ...body, apiVersion: apiVersionOf(def), kind: def.kind });
  }

  close(): void {
    for (const a of this.agentCache.values()) a.destroy();
    this.socketAgent?.destroy();
  }
}

/**
 * A fresh read of one object, typed by its kind (what the API server returns passed its validation), for the
 * read-modify-write of reports that must not act on a stale cache.
 */
export async function getObject<K extends KindName>(client: ObjectClient, kind: K, namespace: string, name: string): Promise<ObjectOf<K>> {
  return (await client.get(kind, namespace, name)) as ObjectOf<K>;
}
