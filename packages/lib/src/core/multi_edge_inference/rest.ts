/**
 * REST on the original's paths (`POST /feature_extraction/feature_extraction`, `/get_target_features`,
 * `/update_service`, `GET /feature_extraction/status`, and the same under /video_analytics and /reid), with the
 * JSON-header-plus-attachments bodies of ./wire.ts instead of pickles. A malformed body gets 400 and the reason; the
 * service keeps running.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientTransport, MessageHandler, ServerTransport, TransportStats } from './transport.js';
import { newStats } from './transport.js';
import { decodeMessage, encodeMessage, WIRE_CONTENT_TYPE, WireError, type DetTrackMessage } from './wire.js';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new WireError(`body larger than ${limit} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface RestServerOptions {
  host: string;
  port: number;
  /** The path prefix: feature_extraction, video_analytics, reid. */
  service: string;
  /** Handlers by method: `feature_extraction`, `get_target_features`, `update_service`, `reid`... */
  routes: Record<string, MessageHandler>;
  /** What GET /<service>/status answers, besides the transport counters. */
  status?: () => Record<string, unknown>;
  log?: (msg: string) => void;
}

export class RestServer implements ServerTransport {
  readonly kind = 'rest' as const;
  readonly stats: TransportStats = newStats();
  private server: Server | undefined;

  constructor(private readonly options: RestServerOptions) {}

  async listen(): Promise<AddressInfo> {
    const { service, routes } = this.options;
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]!;
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && path === `/${service}/status`) return send(200, { service, ...this.stats, ...(this.options.status?.() ?? {}) });
      const method = path.startsWith(`/${service}/`) ? path.slice(service.length + 2) : '';
      const handler = req.method === 'POST' ? routes[method] : undefined;
      if (!handler) return send(404, { error: `no route ${req.method} ${path}; known: ${Object.keys(routes).map((r) => `POST /${service}/${r}`).join(', ')}, GET /${service}/status` });
      void (async () => {
        let message: DetTrackMessage;
        try {
          this.stats.received++;
          message = decodeMessage(await readBody(req, DEFAULT_MAX_BODY_BYTES));
        } catch (err) {
          this.stats.rejected++;
          this.stats.lastRejection = (err as Error).message;
          return send(400, { error: `malformed message: ${(err as Error).message}` });
        }
        try {
          const result = await handler(message);
          this.stats.answered++;
          if (!result) {
            res.writeHead(204);
            return res.end();
          }
          const body = encodeMessage(result);
          res.writeHead(200, { 'Content-Type': WIRE_CONTENT_TYPE, 'Content-Length': body.length });
          res.end(body);
        } catch (err) {
          this.stats.failed++;
          this.options.log?.(`${service}/${method} failed: ${(err as Error).message}`);
          send(err instanceof WireError ? 400 : 500, { error: (err as Error).message });
        }
      })();
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export class RestRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RestRequestError';
  }
}

/** POSTs to `<baseUrl>/<service>/<method>`; the answer (if any) goes to `onResult`. */
export class RestClient implements ClientTransport {
  readonly kind = 'rest' as const;

  constructor(
    private readonly baseUrl: string,
    private readonly service: string,
    private readonly method: string,
    private readonly onResult: (message: DetTrackMessage) => void,
    private readonly timeoutMs = 10_000,
  ) {}

  async call(message: DetTrackMessage, method = this.method): Promise<DetTrackMessage | undefined> {
    const body = encodeMessage(message);
    const res = await fetch(`${this.baseUrl}/${this.service}/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': WIRE_CONTENT_TYPE },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.status === 204) return undefined;
    const raw = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new RestRequestError(res.status, `${this.service}/${method} answered ${res.status}: ${Buffer.from(raw).toString('utf8').slice(0, 500)}`);
    return decodeMessage(raw);
  }

  async send(message: DetTrackMessage): Promise<void> {
    const result = await this.call(message);
    if (result) this.onResult(result);
  }

  async close(): Promise<void> {}
}
