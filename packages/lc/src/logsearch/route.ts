/**
 * `GET /logs/search?q=WORD[&namespace=NS][&pod=P][&since=1h][&limit=N]` on the node API (node token): the matches
 * in this node's pod logs as newline-delimited JSON, one `{node, namespace, pod, time, timeFrom, line}` per line,
 * streamed as they are found. The control plane fans this out to every node.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseRequestUrl } from '@sedna/api/guard';
import { parseSince, searchPodLogs } from './search.js';

export const LOG_SEARCH_PATH = '/logs/search';

export function logSearchRoute(nodeName: string, podsRoot: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    // The node API has checked the target already; parsed the same way, a `//host`-like path stays a path.
    const url = parseRequestUrl(req.url);
    if (url.pathname !== LOG_SEARCH_PATH) return false;
    const q = url.searchParams;
    let since: Date | undefined;
    let limit: number | undefined;
    try {
      if (!q.get('q')) throw new Error('q (the word to search for) is required');
      if (q.get('since')) since = parseSince(q.get('since')!);
      if (q.get('limit')) {
        limit = Number(q.get('limit'));
        if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${JSON.stringify(q.get('limit'))}`);
      }
    } catch (err) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${(err as Error).message}\n`);
      return true;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    searchPodLogs(podsRoot, { word: q.get('q')!, ...(q.get('namespace') ? { namespace: q.get('namespace')! } : {}), ...(q.get('pod') ? { pod: q.get('pod')! } : {}), ...(since ? { since } : {}), ...(limit ? { limit } : {}) }, (m) => {
      res.write(JSON.stringify({ node: nodeName, ...m }) + '\n');
    }).then(
      () => res.end(),
      (err: unknown) => res.end(JSON.stringify({ node: nodeName, error: (err as Error).message }) + '\n'),
    );
    return true;
  };
}
