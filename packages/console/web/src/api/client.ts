/**
 * The browser's client of the Kubernetes-style API: the same origin that served the page, with the bearer token
 * the user logged in with. List, get, create/replace (with `dryRun=All` to validate), delete, the console's
 * multiplexed watch, and pod logs (streamed with `follow`).
 */
import { collectionPath, objectPath, type ResourceKind } from './kinds';
import type { ApiStatus, KubeObject, LiveLine } from './types';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: ApiStatus | undefined,
    message: string,
  ) {
    super(message);
  }
  /** The fields the server named (`details.causes[].field`). */
  get fields(): string[] {
    return (this.status?.details?.causes ?? []).map((c) => c.field ?? '').filter(Boolean);
  }
}

const TOKEN_KEY = 'sedna-console-token';

export function savedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function saveToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiClient {
  constructor(readonly token: string) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...extra };
  }

  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const res = await fetch(path, { method, headers: this.headers(body === undefined ? {} : { 'Content-Type': contentType }), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) {
      let status: ApiStatus | undefined;
      try {
        status = JSON.parse(text) as ApiStatus;
      } catch {
        // a plain-text answer (a /sedna/ route)
      }
      throw new ApiError(res.status, status, status?.message ?? (text.trim() || `${method} ${path}: ${res.status}`));
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Checks the token with Sedna's API discovery, which needs an authenticated user (a cluster's `/version` may
   * answer anyone, so it would let a wrong token in).
   */
  async verify(): Promise<void> {
    await this.request('GET', '/apis/sedna.io/v1alpha1');
  }

  list(kind: ResourceKind, namespace?: string, query = ''): Promise<{ metadata: { resourceVersion: string }; items: KubeObject[] }> {
    return this.request('GET', `${collectionPath(kind, namespace)}${query ? `?${query}` : ''}`);
  }

  get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.request('GET', objectPath(kind, namespace, name));
  }

  /** Creates, or replaces when it exists (as `kubectl apply` ends up doing); `dryRun` only validates. */
  async apply(kind: ResourceKind, object: KubeObject, dryRun: boolean): Promise<KubeObject> {
    const ns = kind.namespaced ? (object.metadata.namespace ?? 'default') : undefined;
    const query = dryRun ? '?dryRun=All&fieldValidation=Strict' : '?fieldValidation=Strict';
    // A list by name answers 200 whether or not it exists (a GET's 404 would be logged by the browser as an error).
    const found = await this.list(kind, ns, `fieldSelector=${encodeURIComponent(`metadata.name=${object.metadata.name}`)}`);
    const existing = found.items[0];
    if (!existing) return this.request('POST', `${collectionPath(kind, ns)}${query}`, object);
    // Replace the spec and labels; the resourceVersion we read guards against a concurrent change.
    const body = { ...object, metadata: { ...object.metadata, resourceVersion: existing.metadata.resourceVersion } };
    if (existing.status !== undefined && body.status === undefined) body.status = existing.status;
    return this.request('PUT', `${objectPath(kind, ns, object.metadata.name)}${query}`, body);
  }

  delete(kind: ResourceKind, namespace: string | undefined, name: string): Promise<unknown> {
    return this.request('DELETE', objectPath(kind, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  }

  /**
   * The console's multiplexed watch (`/sedna/console/watch`): the current objects of several resources, then their
   * changes, on one connection. Resolves when the server ends the stream.
   */
  async watchMany(resources: readonly string[], onLine: (line: LiveLine) => void, signal: AbortSignal): Promise<void> {
    const res = await fetch(`/sedna/console/watch?resources=${resources.map(encodeURIComponent).join(',')}`, { headers: this.headers(), signal });
    if (!res.ok || !res.body) throw new ApiError(res.status, undefined, await res.text());
    await readLines(res.body, (line) => onLine(JSON.parse(line) as LiveLine));
  }

  /** Streams a pod's log lines (`follow`) until the signal aborts or the pod's container ends. */
  async logs(namespace: string, pod: string, onLine: (line: string) => void, signal: AbortSignal, tailLines = 1000): Promise<void> {
    const res = await fetch(`${objectPath({ kind: 'Pod', plural: 'pods', group: '', version: 'v1', namespaced: true, short: 'pod' }, namespace, pod)}/log?follow=true&tailLines=${tailLines}`, { headers: this.headers({ Accept: 'text/plain' }), signal });
    if (!res.ok || !res.body) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as ApiStatus).message ?? text;
      } catch {
        // plain text
      }
      throw new ApiError(res.status, undefined, message);
    }
    await readLines(res.body, onLine);
  }

  /** The API server's own metrics (Prometheus text). */
  async metricsText(): Promise<string> {
    const res = await fetch('/metrics', { headers: this.headers({ Accept: 'text/plain' }) });
    if (!res.ok) throw new ApiError(res.status, undefined, await res.text());
    return res.text();
  }
}

/** Calls `onLine` for every complete line of a streamed body. */
async function readLines(body: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (line.trim()) onLine(line);
    }
  }
  if (buffer.trim()) onLine(buffer);
}
