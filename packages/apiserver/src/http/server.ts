/** The HTTP front of the API server: authentication, routing to discovery, registry and watch, Status errors. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf, type KindDefinition } from '@sedna/api';
import { MalformedRequest, parseRequestUrl } from '@sedna/api/guard';
import type { DeleteOptions, PatchType, PropagationPolicy, Registry, WriteOptions } from '../registry/registry.js';
import type { FieldValidation } from '../registry/validation.js';
import type { Store } from '../storage/store.js';
import { type IncludeObject, table } from '../table/table.js';
import { readBody, parseBody, DEFAULT_BODY_LIMIT } from './body.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { ApiError, errors } from './errors.js';
import { groupVersionDocument, openApiRoot } from './openapi.js';
import { openApiV2Json, openApiV2Protobuf } from './openapi-v2.js';
import { boolParam, intParam } from './query.js';
import { answerReview, isReviewKind } from './reviews.js';
import { routeOfRequest, type ResourceRoute } from './route.js';
import { serveWatch } from './watch.js';

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  tailLines?: number;
  previous: boolean;
}

/** Serves `pods/{name}/log`; the control plane provides it (the logs live on the pod's node). */
export type PodLogsProvider = (namespace: string, name: string, options: PodLogOptions, res: ServerResponse) => Promise<void>;

export interface HandlerOptions {
  store: Store;
  registry: Registry;
  token: string;
  bodyLimit?: number;
  podLogs?: PodLogsProvider;
  /** Address clients use, for `/api` discovery. */
  serverAddress: () => string;
  bookmarkIntervalMs?: number;
}

const UNAUTHENTICATED = new Set(['/healthz', '/livez', '/readyz']);

export function createRequestHandler(options: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = Buffer.from(`Bearer ${options.token}`);
  const authorized = (req: IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return (req, res) => {
    // Nothing a client sends may throw out of here: an exception in a request handler ends the process.
    try {
      serve(req, res);
    } catch (err) {
      fail(req, res, err);
    }
  };
  function serve(req: IncomingMessage, res: ServerResponse): void {
    const url = parseRequestUrl(req.url);
    if (UNAUTHENTICATED.has(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    if (!authorized(req)) {
      req.resume();
      sendStatus(res, errors.unauthorized());
      return;
    }
    handle(options, req, res, url).catch((err: unknown) => fail(req, res, err));
  }
}

function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  try {
    if (err instanceof ApiError) sendStatus(res, err);
    else if (err instanceof MalformedRequest) sendStatus(res, malformed(err));
    else {
      console.error(`apiserver: ${req.method} ${String(req.url).slice(0, 200)}:`, err);
      sendStatus(res, errors.internal(err instanceof Error ? err.message : String(err)));
    }
  } catch (answerError) {
    console.error('apiserver: could not answer a failed request:', answerError);
    res.destroy();
  }
}

function malformed(err: MalformedRequest): ApiError {
  if (err.status === 413) return new ApiError(413, 'RequestEntityTooLarge', err.message);
  if (err.status === 415) return errors.unsupportedMediaType(err.message);
  return errors.badRequest(err.message);
}

/** A header value carries printable ASCII only: anything else (from a client's field names) is escaped. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  if (res.headersSent) return;
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json' };
  if (warnings.length) headers['Warning'] = warnings.map((w) => `299 - ${headerSafe(JSON.stringify(w))}`);
  res.writeHead(code, headers).end(typeof body === 'string' ? body : JSON.stringify(body));
}

function sendStatus(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  // After an oversized body the client may still be sending: do not reuse that connection.
  if (err.code === 413) res.setHeader('Connection', 'close');
  sendJson(res, err.code, err.toStatus());
}

async function handle(o: HandlerOptions, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  if (method === 'GET') {
    const doc = discovery(o, path);
    if (doc !== undefined) {
      sendJson(res, 200, doc);
      return;
    }
  }
  if (path === '/openapi/v2' || path === '/swagger.json') {
    if (method !== 'GET') throw errors.methodNotAllowed(method, path);
    // kubectl before v3 discovery asks for the gnostic protobuf form; other clients get JSON.
    if ((req.headers.accept ?? '').includes('protobuf')) res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(openApiV2Protobuf());
    else sendJson(res, 200, openApiV2Json());
    return;
  }
  const route = routeOfRequest(req, path);
  if (route.type === 'discovery') throw errors.pathNotFound(path);
  await handleResource(o, req, res, url, route, method);
}

function discovery(o: HandlerOptions, path: string): unknown {
  switch (path) {
    case '/version':
      return versionInfo();
    case '/api':
      return apiVersions(o.serverAddress());
    case '/api/v1':
      return apiResourceList('', 'v1');
    case '/apis':
      return apiGroupList();
    case '/openapi/v3':
      return openApiRoot();
  }
  if (path.startsWith('/openapi/v3/')) {
    const rest = path.slice('/openapi/v3/'.length).split('/');
    const doc = rest[0] === 'api' ? groupVersionDocument('', rest[1] ?? '') : groupVersionDocument(rest[1] ?? '', rest[2] ?? '');
    if (doc) return doc;
    throw errors.pathNotFound(path);
  }
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m) {
    if (m[2] === undefined) {
      const group = apiGroup(m[1]!);
      if (!group) throw errors.pathNotFound(path);
      return group;
    }
    const list = apiResourceList(m[1]!, m[2]);
    if ((list['resources'] as unknown[]).length === 0) throw errors.pathNotFound(path);
    return list;
  }
  return undefined;
}

function includeFromAccept(accept: string | undefined, query: URLSearchParams): IncludeObject | undefined {
  if (!accept || !/as=Table/.test(accept)) return undefined;
  const include = query.get('includeObject');
  return include === 'None' || include === 'Object' ? include : 'Metadata';
}

function writeOptions(query: URLSearchParams): WriteOptions {
  const fv = query.get('fieldValidation');
  if (fv !== null && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw errors.badRequest(`fieldValidation must be one of Strict, Warn, Ignore; got ${JSON.stringify(fv)}`);
  }
  const dryRun = query.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All')) throw errors.badRequest('dryRun must be All');
  return { dryRun: dryRun.length > 0, ...(fv ? { fieldValidation: fv as FieldValidation } : {}) };
}

function patchType(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0]!.trim();
  switch (type) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      throw errors.unsupportedMediaType('server-side apply is not implemented by the embedded API server; use client-side `kubectl apply` (the default) or a merge patch');
    default:
      throw errors.unsupportedMediaType(`the body of the request was in an unknown format (${type || 'none'}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
  }
}

function listKind(def: KindDefinition): Record<string, string> {
  return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def) };
}

async function handleResource(o: HandlerOptions, req: IncomingMessage, res: ServerResponse, url: URL, route: ResourceRoute, method: string): Promise<void> {
  const { def, name, subresource } = route;
  const query = url.searchParams;
  const namespace = def.namespaced ? route.namespace || (route.allNamespaces ? '' : 'default') : '';
  const bodyLimit = o.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (subresource !== undefined && !(subresource === 'status' && def.statusSubresource) && !(subresource === 'log' && def.kind === 'Pod')) {
    throw errors.pathNotFound(url.pathname);
  }
  const readJson = async (): Promise<unknown> => parseBody(await readBody(req, bodyLimit), req.headers['content-type']);
  // Every answer waits until the store has committed the writes made so far (its own, and those it may have read):
  // a client never sees a state that is not on disk.
  const send = async (code: number, body: unknown, warnings: string[] = []): Promise<void> => {
    await o.store.committed();
    sendJson(res, code, body, warnings);
  };
  if (isReviewKind(def)) {
    if (method !== 'POST' || name !== undefined) throw errors.methodNotAllowed(method, url.pathname);
    await send(201, answerReview(def, await readJson()));
    return;
  }

  if (name === undefined) {
    const listNamespace = route.allNamespaces ? undefined : namespace;
    if (method === 'GET') {
      const labelSelector = query.get('labelSelector') ?? undefined;
      const fieldSelector = query.get('fieldSelector') ?? undefined;
      const asTable = includeFromAccept(req.headers.accept, query);
      if (route.watchPrefix || boolParam(query, 'watch')) {
        // The watch starts from committed state: its first events and resourceVersion are on disk.
        while (o.store.pendingWrites > 0) await o.store.committed();
        serveWatch(
          o.store,
          {
            def,
            namespace: listNamespace,
            resourceVersion: query.get('resourceVersion') ?? undefined,
            ...(labelSelector ? { labelSelector } : {}),
            ...(fieldSelector ? { fieldSelector } : {}),
            ...(intParam(query, 'timeoutSeconds') !== undefined ? { timeoutSeconds: intParam(query, 'timeoutSeconds')! } : {}),
            allowBookmarks: boolParam(query, 'allowWatchBookmarks'),
            sendInitialEvents: boolParam(query, 'sendInitialEvents'),
            ...(asTable ? { asTable } : {}),
            ...(o.bookmarkIntervalMs ? { bookmarkIntervalMs: o.bookmarkIntervalMs } : {}),
          },
          res,
        );
        return;
      }
      const limit = intParam(query, 'limit');
      const cont = query.get('continue');
      const result = o.registry.list(def, listNamespace, {
        ...(labelSelector ? { labelSelector } : {}),
        ...(fieldSelector ? { fieldSelector } : {}),
        ...(limit ? { limit } : {}),
        ...(cont ? { continueToken: cont } : {}),
      });
      const listMeta: Record<string, unknown> = { resourceVersion: String(result.resourceVersion) };
      if (result.continueToken) {
        listMeta['continue'] = result.continueToken;
        listMeta['remainingItemCount'] = result.remainingItemCount;
      }
      if (asTable) {
        await send(200, table(def, result.items.map((i) => i.object), asTable, listMeta));
        return;
      }
      // Lists are assembled from each object's stored JSON: no re-serialisation of 10,000 objects.
      const head = JSON.stringify({ ...listKind(def), metadata: listMeta }).slice(0, -1);
      await send(200, `${head},"items":[${result.items.map((i) => i.json).join(',')}]}`);
      return;
    }
    if (method === 'POST') {
      const result = o.registry.create(def, namespace, await readJson(), writeOptions(query));
      await send(201, result.object, result.warnings);
      return;
    }
    if (method === 'DELETE') {
      const deleteOptions = await readDeleteOptions(req, query, bodyLimit);
      const items = o.registry.list(def, listNamespace, {
        ...(query.get('labelSelector') ? { labelSelector: query.get('labelSelector')! } : {}),
        ...(query.get('fieldSelector') ? { fieldSelector: query.get('fieldSelector')! } : {}),
      }).items;
      const deleted = items.map((i) => o.registry.delete(def, i.object.metadata.namespace ?? '', i.object.metadata.name!, deleteOptions));
      await send(200, { ...listKind(def), metadata: { resourceVersion: String(o.store.resourceVersion) }, items: deleted });
      return;
    }
    throw errors.methodNotAllowed(method, url.pathname);
  }

  if (subresource === 'log') {
    if (method !== 'GET') throw errors.methodNotAllowed(method, url.pathname);
    o.registry.get(def, namespace, name);
    if (!o.podLogs) throw new ApiError(503, 'InternalError', 'pod logs are served by the control plane, which is not running with this API server');
    const tailLines = intParam(query, 'tailLines');
    const container = query.get('container');
    await o.podLogs(namespace, name, { follow: boolParam(query, 'follow'), previous: boolParam(query, 'previous'), ...(tailLines !== undefined ? { tailLines } : {}), ...(container ? { container } : {}) }, res);
    return;
  }
  const status = subresource === 'status' ? 'status' : undefined;
  switch (method) {
    case 'GET': {
      const stored = o.registry.get(def, namespace, name);
      const asTable = includeFromAccept(req.headers.accept, query);
      if (asTable) await send(200, table(def, [stored.object], asTable, { resourceVersion: stored.object.metadata.resourceVersion }));
      else await send(200, stored.json);
      return;
    }
    case 'PUT': {
      const result = o.registry.update(def, namespace, name, await readJson(), status, writeOptions(query));
      await send(200, result.object, result.warnings);
      return;
    }
    case 'PATCH': {
      const type = patchType(req.headers['content-type']);
      const result = o.registry.patch(def, namespace, name, type, await readJson(), status, writeOptions(query));
      await send(200, result.object, result.warnings);
      return;
    }
    case 'DELETE': {
      if (status) throw errors.methodNotAllowed(method, url.pathname);
      const deleted = o.registry.delete(def, namespace, name, await readDeleteOptions(req, query, bodyLimit));
      await send(200, deleted);
      return;
    }
    default:
      throw errors.methodNotAllowed(method, url.pathname);
  }
}

async function readDeleteOptions(req: IncomingMessage, query: URLSearchParams, bodyLimit: number): Promise<DeleteOptions> {
  const body = parseBody(await readBody(req, bodyLimit), req.headers['content-type']) as Record<string, unknown> | undefined;
  const policy = (body?.['propagationPolicy'] ?? query.get('propagationPolicy') ?? undefined) as string | undefined;
  if (policy !== undefined && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw errors.badRequest(`propagationPolicy must be Background, Foreground or Orphan; got ${JSON.stringify(policy)}`);
  }
  const orphan = body?.['orphanDependents'] ?? (boolParam(query, 'orphanDependents') ? true : undefined);
  const grace = body?.['gracePeriodSeconds'] ?? intParam(query, 'gracePeriodSeconds');
  const pre = body?.['preconditions'] as DeleteOptions['preconditions'] | undefined;
  const dryRun = (Array.isArray(body?.['dryRun']) && (body['dryRun'] as unknown[]).length > 0) || query.getAll('dryRun').length > 0;
  const resolved: PropagationPolicy | undefined = orphan === true ? 'Orphan' : (policy as PropagationPolicy | undefined);
  return {
    ...(resolved ? { propagationPolicy: resolved } : {}),
    ...(typeof grace === 'number' ? { gracePeriodSeconds: grace } : {}),
    ...(pre ? { preconditions: pre } : {}),
    dryRun,
  };
}
