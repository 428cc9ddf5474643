/**
 * The GM's one listening port (the original's websocket port, 9000): the GM-LC websocket channel (the NodeHub
 * attaches to its upgrades), and a few plain HTTP(S) routes beside it: health for probes, and the node bootstrap
 * (packages/gm/src/credentials). With TLS it serves https and wss with the control plane's certificate.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface GmServerOptions {
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export class GmServer {
  readonly server: HttpServer | HttpsServer;
  readonly tls: boolean;
  private readonly routes = new Map<string, RouteHandler>();

  constructor(options: GmServerOptions = {}) {
    this.tls = options.tls !== undefined;
    this.server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
    this.server.on('request', (req, res) => this.handle(req, res));
  }

  /** Serves `path` (exact match) with `handler`; undefined removes the route. */
  route(path: string, handler: RouteHandler | undefined): void {
    if (handler) this.routes.set(path, handler);
    else this.routes.delete(path);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`the GM cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    return this.address();
  }

  address(): AddressInfo {
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('the GM server is not listening on a TCP port');
    return a;
  }

  /** The URL local controllers dial, for a listen address (0.0.0.0 is reached as 127.0.0.1 on this host). */
  url(host: string): string {
    return `${this.tls ? 'wss' : 'ws'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.address().port}/`;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://gm').pathname;
    const handler = this.routes.get(path);
    if (handler) {
      handler(req, res);
      return;
    }
    res.writeHead(path === '/' ? 426 : 404, { 'Content-Type': 'text/plain; charset=utf-8', ...(path === '/' ? { Upgrade: 'websocket' } : {}) });
    res.end(path === '/' ? 'this endpoint serves the GM-LC websocket channel\n' : `no such path: ${path}\n`);
  }
}
