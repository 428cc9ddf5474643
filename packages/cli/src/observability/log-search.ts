/**
 * `GET /sedna/logs/search?q=WORD[&namespace=NS][&pod=P][&since=1h][&limit=N]` on the API server (API token): the
 * search of every pod's logs on every node, the Sedna proposal's "search logs by pod and keyword" without Loki.
 * Each node's LC searches its own files (its node API, `/logs/search`); the answers stream back merged as
 * newline-delimited JSON, one `{node, namespace, pod, time, timeFrom, line}` per match as it arrives, and a
 * `{node, error}` line for a node that cannot answer.
 */
import type http from 'node:http';
import https from 'node:https';
import type { ExtraRoute, RunningApiServer } from '@sedna/apiserver';
import { nodeApiAddress } from './node-api.js';

export const LOG_SEARCH_ROUTE = '/sedna/logs/search';

const FORWARDED = ['q', 'namespace', 'pod', 'since', 'limit'];

/** Node APIs serve TLS to the control plane's client certificate (see commands/control-plane.ts). */
export function logSearchRoute(api: RunningApiServer, identity: { cert: string; key: string; ca: string }): ExtraRoute {
  return async (req, res, url) => {
    if (!url.searchParams.get('q')) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('q (the word to search for) is required\n');
      return;
    }
    const query = new URLSearchParams();
    for (const key of FORWARDED) {
      const value = url.searchParams.get(key);
      if (value) query.set(key, value);
    }
    const nodes = api.store.list('/nodes').map((s) => s.object);
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    const requests: http.ClientRequest[] = [];
    res.on('close', () => requests.forEach((r) => r.destroy()));
    await Promise.all(
      nodes.map(
        (node) =>
          new Promise<void>((done) => {
            const name = node.metadata.name!;
            const fail = (message: string) => {
              res.write(JSON.stringify({ node: name, error: message }) + '\n');
              done();
            };
            const address = nodeApiAddress(node);
            if (!address) return fail('the node has no local controller address');
            const request = https.get({ ...address, path: `/logs/search?${query}`, ...identity, servername: name, timeout: 30_000 }, (answer) => {
              if (answer.statusCode !== 200) {
                let text = '';
                answer.on('data', (c: Buffer) => (text += c.toString()));
                answer.on('end', () => fail(text.trim() || `status ${answer.statusCode}`));
                return;
              }
              // Whole lines only: a match is never split between two nodes' answers.
              let buffer = '';
              answer.on('data', (c: Buffer) => {
                buffer += c.toString();
                const end = buffer.lastIndexOf('\n');
                if (end < 0) return;
                res.write(buffer.slice(0, end + 1));
                buffer = buffer.slice(end + 1);
              });
              answer.on('end', () => {
                if (buffer) res.write(buffer + '\n');
                done();
              });
              answer.on('error', (err) => fail(err.message));
            });
            request.on('timeout', () => request.destroy(new Error('no answer within 30 s')));
            request.on('error', (err) => fail(`cannot be reached: ${err.message}`));
            requests.push(request);
          }),
      ),
    );
    res.end();
  };
}
