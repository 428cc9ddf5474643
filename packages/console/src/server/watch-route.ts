/**
 * `GET /sedna/console/watch?resources=sedna.io/jointinferenceservices,/pods,...` (API token): the current objects of
 * several resources and then their changes, in ONE streamed response. A browser keeps at most six HTTP/1.1
 * connections to a host, and a page of the console follows a dozen kinds: one Kubernetes watch per kind would starve
 * its other requests. Lines: `{"resource","type":"ADDED|MODIFIED|DELETED","object"}`, and `{"type":"SYNCED"}` once the
 * current state is sent; a client that loses the stream opens it again and gets the whole state anew.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findKindByResource } from '@sedna/api';
import type { ChangeEvent, Store, StoredObject } from '@sedna/apiserver';

export const CONSOLE_WATCH_ROUTE = '/sedna/console/watch';

/** Kinds whose objects the console never needs and that hold secrets: not served by this route. */
const REFUSED = new Set(['/secrets']);

/** The `resources` parameter of a multiplexed watch, checked: 1 to 32 known kinds, no Secrets. */
export function parseWatchResources(url: URL): { resources: string[] } | { error: string } {
  const resources = (url.searchParams.get('resources') ?? '').split(',').filter(Boolean);
  if (resources.length === 0 || resources.length > 32) return { error: 'resources: give 1 to 32 resources as group/plural (the core group is empty: /pods)' };
  for (const resource of resources) {
    const [group, plural] = resource.split('/');
    if (plural === undefined || !findKindByResource(group ?? '', plural) || REFUSED.has(resource)) return { error: `resources: ${JSON.stringify(resource)} is not a resource this route serves` };
  }
  return { resources: [...new Set(resources)] };
}

/** One line of the multiplexed stream. */
export function watchLine(resource: string, type: string, objectJson: string): string {
  return `{"resource":${JSON.stringify(resource)},"type":"${type}","object":${objectJson}}\n`;
}

export const HEARTBEAT_MS = 15_000;

export function consoleWatchRoute(store: Pick<Store, 'list' | 'subscribe'>): (req: IncomingMessage, res: ServerResponse, url: URL) => void {
  return (req, res, url) => {
    req.resume();
    const parsed = parseWatchResources(url);
    if ('error' in parsed) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${parsed.error}\n`);
      return;
    }
    const { resources } = parsed;
    const wanted = new Set(resources);
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache, private' });
    res.socket?.setNoDelay(true);
    // Subscribed before the state is read: nothing between the two is missed (an event may repeat the state).
    const queued: ChangeEvent[] = [];
    let live = false;
    const send = (e: ChangeEvent) => {
      if (!res.writableEnded) res.write(watchLine(e.resource, e.type, e.json));
    };
    const unsubscribe = store.subscribe((e) => {
      if (!wanted.has(e.resource)) return;
      if (live) send(e);
      else queued.push(e);
    });
    for (const resource of resources) {
      const chunk = store.list(resource).map((s: StoredObject) => watchLine(resource, 'ADDED', s.json));
      if (chunk.length) res.write(chunk.join(''));
    }
    res.write('{"type":"SYNCED"}\n');
    for (const e of queued) send(e);
    live = true;
    // A heartbeat keeps proxies from closing an idle stream and lets the client notice a dead one.
    const heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write('{"type":"HEARTBEAT"}\n');
    }, HEARTBEAT_MS);
    const finish = () => {
      clearInterval(heartbeat);
      unsubscribe();
      if (!res.writableEnded) res.end();
    };
    res.on('close', finish);
    res.on('error', finish);
  };
}
