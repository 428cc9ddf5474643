/**
 * A small JSON client for the Kubernetes API with the kubeconfig's TLS and credentials. Controllers use it instead
 * of the typed client-node models because those turn timestamps into Dates and drop unknown fields; Sedna objects
 * stay plain JSON end to end.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import { apiVersionOf, findKind, type KindDefinition, type KubeObject } from '@sedna/api';
import type { KindName, MergePatchOf, NewObjectOf, ObjectOf } from './kinds.js';

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

/** DeleteOptions the GM sends (meta/v1): a grace period, and a precondition on the uid it meant to delete. */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

/**
 * The writes (and the one uncached read) controllers make: KubeClient on an API, RecordingClient in tests. Typed by
 * kind from the schema DSL (`NewObjectOf`, `MergePatchOf`, `ObjectOf`), so a controller cannot write a body of another
 * kind's shape; what comes back passed the API server's validation and is typed as the kind's stored object.
 */
export interface ObjectClient {
  get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K>>;
  create<K extends KindName>(kind: K, namespace: string, body: NewObjectOf<K>): Promise<ObjectOf<K>>;
  mergePatch<K extends KindName>(kind: K, namespace: string, name: string, patch: MergePatchOf<K>, subresource?: 'status'): Promise<ObjectOf<K>>;
  delete(kind: KindName, namespace: string, name: string, options?: DeleteOptions): Promise<unknown>;
  /** PUT: the whole object replaced (fields absent from `body` go). */
  replace<K extends KindName>(kind: K, namespace: string, name: string, body: NewObjectOf<K>): Promise<ObjectOf<K>>;
}

/** How long the credential headers of the local socket are reused before the kubeconfig is applied again. */
const AUTH_HEADER_REUSE_MS = 5_000;

export class KubeClient implements ObjectClient {
  private readonly agentCache = new Map<string, https.Agent>();
  private readonly socketAgent: http.Agent | undefined;
  private authHeaders: { headers: Record<string, string | number | string[]>; at: number } | undefined;

  constructor(
    readonly kc: k8s.KubeConfig,
    private readonly options: KubeClientOptions = {},
  ) {
    // More requests in flight than over TLS: the API server answers a batch of writes at its group commit, and the
    // next batch should already be arriving meanwhile.
    if (options.socketPath !== undefined) this.socketAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const contentHeaders = { Accept: 'application/json', ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}) };
    if (this.socketAgent) {
      const headers = { ...contentHeaders, ...(await this.socketAuthHeaders()) };
      return this.send(http.request, new URL(path, 'http://localhost'), { method, headers, agent: this.socketAgent, socketPath: this.options.socketPath as string }, method, path, payload);
    }
    const opts: https.RequestOptions = { method, headers: contentHeaders };
    await this.kc.applyToHTTPSOptions(opts);
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

  /**
   * The credential headers for the local socket, from the kubeconfig, reused for a few seconds: applying the whole
   * kubeconfig (TLS files, an agent) per request was a few per cent of the GM's time at thousands of writes a second,
   * and over the socket only the token matters. A token that rotates is picked up within the reuse period.
   */
  private async socketAuthHeaders(): Promise<Record<string, string | number | string[]>> {
    const now = Date.now();
    if (this.authHeaders && now - this.authHeaders.at < AUTH_HEADER_REUSE_MS) return this.authHeaders.headers;
    const opts: https.RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    const headers = Object.fromEntries(Object.entries(opts.headers as Record<string, string | number | string[] | undefined>).filter((e): e is [string, string | number | string[]] => e[1] !== undefined));
    this.authHeaders = { headers, at: now };
    return headers;
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

  // The API server validated what it returns against the kind's schema: the one place its JSON is typed as the kind.
  get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K>> {
    return this.request<ObjectOf<K>>('GET', this.path(this.def(kind), namespace, name));
  }

  create<K extends KindName>(kind: K, namespace: string, body: NewObjectOf<K>): Promise<ObjectOf<K>> {
    const def = this.def(kind);
    return this.request<ObjectOf<K>>('POST', this.path(def, namespace), { apiVersion: apiVersionOf(def), kind: def.kind, ...body });
  }

  mergePatch<K extends KindName>(kind: K, namespace: string, name: string, patch: MergePatchOf<K>, subresource?: 'status'): Promise<ObjectOf<K>> {
    return this.request<ObjectOf<K>>('PATCH', this.path(this.def(kind), namespace, name, subresource), patch, 'application/merge-patch+json');
  }

  delete(kind: KindName, namespace: string, name: string, options: DeleteOptions = {}): Promise<unknown> {
    return this.request<unknown>('DELETE', this.path(this.def(kind), namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...options });
  }

  replace<K extends KindName>(kind: K, namespace: string, name: string, body: NewObjectOf<K>): Promise<ObjectOf<K>> {
    const def = this.def(kind);
    return this.request<ObjectOf<K>>('PUT', this.path(def, namespace, name), { ...body, apiVersion: apiVersionOf(def), kind: def.kind });
  }

  /**
   * Creates a user's manifest as it is (a tool applying YAML, as `kubectl create` does): not typed by kind, since
   * it is the user's input; the API server validates it and answers 422 naming the field. Controllers use `create`.
   */
  createManifest(manifest: KubeObject): Promise<KubeObject> {
    return this.request<KubeObject>('POST', this.path(this.def(manifest.kind), manifest.metadata.namespace), manifest);
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
export function getObject<K extends KindName>(client: ObjectClient, kind: K, namespace: string, name: string): Promise<ObjectOf<K>> {
  return client.get(kind, namespace, name);
}
