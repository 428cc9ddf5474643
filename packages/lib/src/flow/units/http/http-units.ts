/**
 * ModelBox's synchronous HTTP pair. `httpserver_sync_receive` (source) listens on `endpoint` and sends each request
 * down the graph as an item `{method, url, headers, body}`; `httpserver_sync_reply` answers that request with what
 * reaches it (an object `{status, headers, body}`, bytes, text, or anything else as JSON). A request no reply
 * reaches in `time_out_ms` (the item was dropped, or went down a branch without a reply) gets 504; more than
 * `max_requests` waiting get 503.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { UnitDefinition, UnitOutput } from '../../types.js';
import { defineUnit, option } from '../define.js';
import { claim, EXCHANGE_META, park, waitingCount } from './exchanges.js';

export interface HttpRequestItem {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

function answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  if (body instanceof Uint8Array) response.writeHead(status, { 'content-type': 'application/octet-stream', ...headers }).end(body);
  else if (typeof body === 'string') response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
  else response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body ?? null));
}

const receive = defineUnit({
  name: 'httpserver_sync_receive',
  kind: 'source',
  description: 'Receives HTTP requests; each is an item the graph answers through httpserver_sync_reply',
  outputs: [['out_request_info', 'http_request']],
  options: [
    { name: 'endpoint', type: 'string', description: 'where to listen, http://host:port[/path] (port 0: any free port)', default: 'http://127.0.0.1:8190' },
    { name: 'max_requests', type: 'integer', description: 'most requests waiting for their reply', default: 100 },
    { name: 'time_out_ms', type: 'integer', description: 'a request without a reply by then gets 504', default: 5000 },
    { name: 'max_body_bytes', type: 'integer', description: 'larger bodies get 413', default: 16 * 1024 * 1024 },
  ],
  async open(context) {
    let url: URL;
    try {
      url = new URL(option<string>(context, 'endpoint'));
    } catch {
      throw new Error(`option endpoint: not a URL: ${JSON.stringify(option<string>(context, 'endpoint'))}`);
    }
    if (url.protocol !== 'http:') throw new Error(`option endpoint: only http:// is supported, got ${url.protocol}`);
    const prefix = url.pathname.replace(/\/+$/, '');
    const maxRequests = option<number>(context, 'max_requests');
    const timeoutMs = option<number>(context, 'time_out_ms');
    const maxBody = option<number>(context, 'max_body_bytes');
    // Requests wait here until the graph pulls them (backpressure reaches the HTTP clients as waiting).
    const arrived: UnitOutput[] = [];
    let wake: (() => void) | undefined;
    const server: Server = createServer((req: IncomingMessage, res) => {
      if (prefix && !(req.url ?? '/').startsWith(prefix)) return answer(res, 404, { error: `not found; requests go to ${prefix}` });
      if (waitingCount() + arrived.length >= maxRequests) return answer(res, 503, { error: `more than ${maxRequests} requests waiting` });
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBody) {
          answer(res, 413, { error: `body over ${maxBody} bytes` });
          req.destroy();
        } else chunks.push(chunk);
      });
      req.on('end', () => {
        if (size > maxBody) return;
        const key = park(res, timeoutMs, () => answer(res, 504, { error: `no reply within ${timeoutMs} ms` }));
        const item: HttpRequestItem = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
        arrived.push({ ports: { out_request_info: item }, meta: { [EXCHANGE_META]: key } });
        wake?.();
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new Error(`cannot listen on ${url.host}: ${e.message}`)));
      server.listen(Number(url.port || 80), url.hostname, () => resolve());
    });
    const address = server.address();
    const bound = typeof address === 'object' && address ? `http://${url.hostname}:${address.port}${prefix}` : url.href;
    context.event('Normal', 'Listening', bound);
    // Not awaited: requests still inside the graph are answered on their connections after the source ends.
    const closeServer = (): void => {
      server.close();
      server.closeIdleConnections();
    };
    return {
      async *source() {
        const stopped = new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
        while (!context.signal.aborted) {
          const item = arrived.shift();
          if (item) {
            yield item;
            continue;
          }
          await Promise.race([new Promise<void>((resolve) => (wake = resolve)), stopped]);
          wake = undefined;
        }
      },
      close: closeServer,
    };
  },
});

const reply = defineUnit({
  name: 'httpserver_sync_reply',
  kind: 'normal',
  description: 'Answers the HTTP request an item came from',
  inputs: [['in_reply_info', 'any']],
  options: [{ name: 'status', type: 'integer', description: 'the status code of plain answers', default: 200 }],
  open(context) {
    const status = option<number>(context, 'status');
    return {
      process: (batch) =>
        batch.map((item) => {
          const exchange = claim(item.meta[EXCHANGE_META]);
          if (!exchange) throw new Error('the item has no HTTP request waiting (it timed out, or did not come from httpserver_sync_receive)');
          const value = item.ports.in_reply_info as { status?: unknown; body?: unknown; headers?: unknown } | undefined;
          if (value && typeof value === 'object' && !(value instanceof Uint8Array) && typeof value.status === 'number' && 'body' in value) {
            answer(exchange.response, value.status, value.body, (value.headers ?? {}) as Record<string, string>);
          } else answer(exchange.response, status, value);
          return { ports: {} };
        }),
    };
  },
});

export const httpUnits: UnitDefinition[] = [receive, reply];
