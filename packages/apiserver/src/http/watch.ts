/**
 * Watch streams: newline-delimited JSON events over a chunked HTTP response, resumable from a resourceVersion.
 * Selectors apply as Kubernetes applies them: an object leaving the selector is a DELETED event for that watcher,
 * one entering it an ADDED event.
 */
import type { ServerResponse } from 'node:http';
import { apiVersionOf, type KindDefinition, type KubeObject } from '@sedna/api';
import { fieldPredicate } from '../selectors/fields.js';
import { labelPredicate } from '../selectors/labels.js';
import { resourceKey } from '../registry/registry.js';
import { type ChangeEvent, ResourceVersionTooOldError, type Store } from '../storage/store.js';
import { type IncludeObject, table } from '../table/table.js';
import { errors } from './errors.js';

export interface WatchRequest {
  def: KindDefinition;
  namespace: string | undefined;
  resourceVersion: string | undefined;
  labelSelector?: string;
  fieldSelector?: string;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  asTable?: IncludeObject;
  bookmarkIntervalMs?: number;
}

type Matcher = (o: KubeObject) => boolean;

export function serveWatch(store: Store, req: WatchRequest, res: ServerResponse): void {
  const { def } = req;
  const byLabel = labelPredicate(req.labelSelector);
  const byField = fieldPredicate(def.kind, req.fieldSelector);
  const matches: Matcher = (o) =>
    (req.namespace === undefined || (o.metadata.namespace ?? '') === req.namespace) && (!byLabel || byLabel(o.metadata.labels)) && (!byField || byField(o));
  const resource = resourceKey(def);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.socket?.setNoDelay(true);
  res.flushHeaders();

  let columnsSent = false;
  const frame = (type: string, object: KubeObject, json?: string): string => {
    if (req.asTable) {
      const t = table(def, [object], req.asTable, { resourceVersion: object.metadata.resourceVersion }, !columnsSent);
      columnsSent = true;
      return `{"type":"${type}","object":${JSON.stringify(t)}}\n`;
    }
    return `{"type":"${type}","object":${json ?? JSON.stringify(object)}}\n`;
  };
  const write = (text: string): void => {
    if (!res.writableEnded) res.write(text);
  };

  let lastRv = store.resourceVersion;
  const requested = req.resourceVersion;
  let backlog: ChangeEvent[] = [];
  if (requested === undefined || requested === '' || requested === '0' || req.sendInitialEvents) {
    // Start with the current state, as synthetic ADDED events.
    for (const stored of store.list(resource, req.namespace)) if (matches(stored.object)) write(frame('ADDED', stored.object, stored.json));
    if (req.sendInitialEvents) {
      write(bookmark(def, lastRv, true));
    }
  } else {
    const from = Number(requested);
    if (!Number.isInteger(from) || from < 0) {
      writeError(res, errors.badRequest(`invalid resourceVersion ${JSON.stringify(requested)}`).toStatus());
      return;
    }
    try {
      backlog = store.changesSince(resource, from);
    } catch (err) {
      if (err instanceof ResourceVersionTooOldError) {
        writeError(res, errors.gone(err.message).toStatus());
        return;
      }
      throw err;
    }
  }

  const deliver = (e: ChangeEvent): void => {
    lastRv = e.rv;
    const now = e.type !== 'DELETED' && matches(e.object);
    const before = e.previous !== undefined ? matches(e.previous) : e.type !== 'ADDED';
    if (e.type === 'DELETED') {
      if (matches(e.object)) write(frame('DELETED', e.object, e.json));
    } else if (e.type === 'ADDED') {
      if (now) write(frame('ADDED', e.object, e.json));
    } else if (now && before) write(frame('MODIFIED', e.object, e.json));
    else if (now && !before) write(frame('ADDED', e.object, e.json));
    else if (!now && before && e.previous !== undefined) write(frame('DELETED', e.object, e.json));
  };
  for (const e of backlog) deliver(e);

  const unsubscribe = store.subscribe((e) => {
    if (e.resource === resource) deliver(e);
    else lastRv = e.rv;
  });

  const timers: NodeJS.Timeout[] = [];
  if (req.allowBookmarks) {
    timers.push(setInterval(() => write(bookmark(def, lastRv, false)), req.bookmarkIntervalMs ?? 15_000));
  }
  if (req.timeoutSeconds && req.timeoutSeconds > 0) {
    timers.push(setTimeout(() => finish(), req.timeoutSeconds * 1000));
  }
  const finish = (): void => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  res.on('close', finish);
  res.on('error', finish);
}

function bookmark(def: KindDefinition, rv: number, initialEventsEnd: boolean): string {
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (initialEventsEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
  return `${JSON.stringify({ type: 'BOOKMARK', object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata } })}\n`;
}

function writeError(res: ServerResponse, status: Record<string, unknown>): void {
  res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
}
