/**
 * The aggregator's HTTP side, the original's `client_info`: GET /<aggregation> lists the connected workers; with
 * `{"client_id"}` in the body (as Python's requests sends it) or `?client_id=` it gives one worker's details.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ClientInfo {
  readonly client_id: string;
  readonly connected_at: string;
  readonly info: Record<string, unknown>;
}

export interface ClientDirectory {
  clients(): string[];
  client(id: string): ClientInfo | undefined;
}

export function clientInfoHandler(directory: ClientDirectory): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return json(405, { error: `${request.method} is not supported; use GET or a websocket` });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const query = new URL(request.url ?? '/', 'http://aggregator').searchParams.get('client_id');
      let bodyId: unknown;
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        bodyId = body.trim() === '' ? undefined : (JSON.parse(body) as { client_id?: unknown }).client_id;
      } catch {
        return json(400, { error: 'the body must be JSON, e.g. {"client_id": "..."}' });
      }
      const id = query ?? (typeof bodyId === 'string' ? bodyId : undefined);
      // `wires` tells a worker of this lib that it may use the binary frames (the original's answer has no such field).
      if (id === undefined) return json(200, { clients: directory.clients(), wires: ['binary', 'json'] });
      const info = directory.client(id);
      return info === undefined ? json(404, { error: `no worker "${id}" is connected` }) : json(200, info);
    });
  };
}
