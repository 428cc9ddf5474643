/**
 * The aggregator's HTTP side, the original's `client_info`: GET /<aggregation> lists the connected workers; with
 * `{"client_id"}` in the body (as Python's requests sends it) or `?client_id=` it gives one worker's details.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { guardRequests, parseJsonBounded, parseRequestUrl, readLimitedBody, statusOf } from '@sedna/api/guard';

/** A client_id query is a few bytes; anything much larger is not one. */
const MAX_BODY_BYTES = 64 * 1024;

export interface ClientInfo {
  readonly client_id: string;
  readonly connected_at: string;
  readonly info: Record<string, unknown>;
}

export interface ClientDirectory {
  clients(): string[];
  client(id: string): ClientInfo | undefined;
}

/**
 * `refuse` says why a caller may not ask (no job credential, caller-auth.ts), or undefined; such a caller gets 401.
 */
export function clientInfoHandler(directory: ClientDirectory, refuse: (request: IncomingMessage) => string | undefined = () => undefined): (request: IncomingMessage, response: ServerResponse) => void {
  const json = (response: ServerResponse, status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  // Guarded: the aggregator is a worker of a running job; a malformed request must not end it (and the job's rounds).
  return guardRequests(
    async (request, response) => {
      const url = parseRequestUrl(request.url);
      const refusal = refuse(request);
      if (refusal !== undefined) {
        request.resume();
        return json(response, 401, { error: refusal });
      }
      if (request.method !== 'GET') return json(response, 405, { error: `${request.method} is not supported; use GET or a websocket` });
      const body = (await readLimitedBody(request, MAX_BODY_BYTES)).toString('utf8');
      const query = url.searchParams.get('client_id');
      let bodyId: unknown;
      if (body.trim() !== '') {
        try {
          bodyId = (parseJsonBounded(body) as { client_id?: unknown } | null)?.client_id;
        } catch (error) {
          return json(response, statusOf(error).status, { error: `the body must be JSON, e.g. {"client_id": "..."}: ${statusOf(error).reason}` });
        }
      }
      const id = query ?? (typeof bodyId === 'string' ? bodyId : undefined);
      // `wires` tells a worker of this lib that it may use the binary frames (the original's answer has no such field).
      if (id === undefined) return json(response, 200, { clients: directory.clients(), wires: ['binary', 'json'] });
      const info = directory.client(id);
      return info === undefined ? json(response, 404, { error: `no worker "${id}" is connected` }) : json(response, 200, info);
    },
    { name: 'aggregation server', answer: (response, status, reason) => json(response, status, { error: reason }) },
  );
}
