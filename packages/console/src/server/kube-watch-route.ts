/**
 * The console's multiplexed watch (`/sedna/console/watch`, the same lines as watch-route.ts) for a console server
 * beside the GM on any Kubernetes API: for each resource a list and then the API's own watch from the list's
 * resourceVersion, all with the user's token, merged into one streamed answer. A browser keeps six HTTP/1.1
 * connections to a host; this server keeps one per resource to the API instead.
 *
 * A watch the API ends (its timeout) is opened again from the last resourceVersion seen; a watch the API refuses as
 * too old (410 Gone) or that fails ends the whole answer, and the browser opens it again with the whole state.
 */
import { setMaxListeners } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { findKindByResource } from '@sedna/api';
import { forwardedHeaders, type KubeUpstream, upstreamGet, upstreamRequest } from './upstream.js';
import { HEARTBEAT_MS, parseWatchResources, watchLine } from './watch-route.js';

interface KubeList {
  metadata?: { resourceVersion?: string };
  items?: { metadata?: { resourceVersion?: string } }[];
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: { metadata?: { resourceVersion?: string }; code?: number; message?: string };
}

/** `/api/v1/pods` or `/apis/sedna.io/v1alpha1/datasets`: every namespace. */
function collection(resource: string): { path: string; apiVersion: string; kind: string } {
  const [group = '', plural = ''] = resource.split('/');
  const k = findKindByResource(group, plural)!;
  return { path: group ? `/apis/${group}/${k.version}/${plural}` : `/api/${k.version}/${plural}`, apiVersion: group ? `${group}/${k.version}` : k.version, kind: k.kind };
}

export function consoleKubeWatchRoute(upstream: KubeUpstream): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  return async (req, res, url) => {
    req.resume();
    const parsed = parseWatchResources(url);
    if ('error' in parsed) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${parsed.error}\n`);
      return;
    }
    // Reads only: the browser's token (and impersonation headers), no body headers.
    const { authorization, 'impersonate-user': user, 'impersonate-group': group } = forwardedHeaders(req);
    const headers: OutgoingHttpHeaders = { accept: 'application/json', ...(authorization ? { authorization } : {}), ...(user ? { 'impersonate-user': user } : {}), ...(group ? { 'impersonate-group': group } : {}) };
    const abort = new AbortController();
    // One listener per resource's list and watch request (up to 32 resources, two requests each at times).
    setMaxListeners(80, abort.signal);
    res.on('close', () => abort.abort());
    // Lists first, all of them: a refusal (401, 403) is answered as the API answered it, before any line is sent.
    let lists: { resource: string; body: KubeList }[];
    try {
      lists = await Promise.all(
        parsed.resources.map(async (resource) => {
          const answer = await upstreamGet(upstream, collection(resource).path, headers, abort.signal);
          if (answer.status !== 200) throw Object.assign(new Error(answer.body), { status: answer.status });
          return { resource, body: JSON.parse(answer.body) as KubeList };
        }),
      );
    } catch (err) {
      if (abort.signal.aborted) return;
      const status = (err as { status?: number }).status;
      res.writeHead(status ?? 502, { 'Content-Type': status ? 'application/json' : 'text/plain' }).end(status ? (err as Error).message : `the Kubernetes API at ${upstream.url.origin}: ${(err as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache, private' });
    res.socket?.setNoDelay(true);
    const write = (text: string) => {
      if (!res.writableEnded) res.write(text);
    };
    for (const { resource, body } of lists) {
      const { apiVersion, kind } = collection(resource);
      // A list's items carry no kind; the browser's pages expect whole objects.
      const chunk = (body.items ?? []).map((item) => watchLine(resource, 'ADDED', JSON.stringify({ apiVersion, kind, ...item })));
      if (chunk.length) write(chunk.join(''));
    }
    write('{"type":"SYNCED"}\n');
    const heartbeat = setInterval(() => write('{"type":"HEARTBEAT"}\n'), HEARTBEAT_MS);
    const finish = () => {
      clearInterval(heartbeat);
      abort.abort();
      if (!res.writableEnded) res.end();
    };
    res.on('close', finish);
    for (const { resource, body } of lists) {
      void follow(upstream, resource, body.metadata?.resourceVersion ?? '', headers, abort.signal, write).then(finish, finish);
    }
  };
}

/** Follows one resource's watch until it cannot go on (then the caller ends the whole answer). */
async function follow(upstream: KubeUpstream, resource: string, fromVersion: string, headers: OutgoingHttpHeaders, signal: AbortSignal, write: (text: string) => void): Promise<void> {
  let resourceVersion = fromVersion;
  const { path } = collection(resource);
  while (!signal.aborted) {
    const query = new URLSearchParams({ watch: '1', allowWatchBookmarks: 'true', timeoutSeconds: '300', ...(resourceVersion ? { resourceVersion } : {}) });
    const gone = await new Promise<boolean>((resolve, reject) => {
      const req = upstreamRequest(upstream, { method: 'GET', path: `${path}?${query}`, headers, signal });
      req.on('response', (answer) => {
        if (answer.statusCode !== 200) {
          answer.resume();
          resolve(true);
          return;
        }
        answer.setEncoding('utf8');
        let buffer = '';
        let stop = false;
        answer.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while (!stop && (end = buffer.indexOf('\n')) >= 0) {
            const text = buffer.slice(0, end).trim();
            buffer = buffer.slice(end + 1);
            if (!text) continue;
            const event = JSON.parse(text) as WatchEvent;
            if (event.type === 'ERROR') {
              // 410: the version is too old to resume from; the browser reopens and gets the whole state.
              stop = true;
              answer.destroy();
              resolve(true);
              return;
            }
            const version = event.object.metadata?.resourceVersion;
            if (version) resourceVersion = version;
            if (event.type !== 'BOOKMARK') write(watchLine(resource, event.type, JSON.stringify(event.object)));
          }
        });
        answer.on('end', () => resolve(false));
        answer.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    if (gone) return;
  }
}
