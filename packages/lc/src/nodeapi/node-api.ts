/**
 * The node API of a local controller (what the kubelet's port is to Kubernetes): the control plane reads pod logs
 * here for `kubectl logs` and `sedna logs`. Logs may hold anything a worker printed, so it checks who asks: with
 * the node's certificate (every `sedna join`) it serves TLS only and answers only a client certificate from the
 * control plane's CA naming the control plane; without one (an LC embedded in a test) it wants the node token.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { CONTROL_PLANE_CLIENT_CN } from '@sedna/api';

export interface NodeApiOptions {
  host: string;
  port: number;
  /** The token callers must present when there is no TLS. */
  token: string;
  /** The node's certificate and key, and the CA its callers' certificates must come from. */
  tls?: { cert: string; key: string; ca: string };
  logs: (namespace: string, name: string, options: { tail?: number; follow?: boolean }) => Readable | Promise<string>;
  /** Other routes (metrics, log search), after authentication: true when handled. */
  routes?: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean)[];
}

const LOG_PATH = /^\/pods\/([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)\/log$/;

export class NodeApi {
  private readonly server: http.Server | https.Server;

  constructor(private readonly options: NodeApiOptions) {
    const expected = Buffer.from(`Bearer ${options.token}`);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (options.tls) {
        const socket = req.socket as TLSSocket;
        if (!socket.authorized) {
          res.writeHead(401, { 'Content-Type': 'text/plain' }).end(`unauthorized: the node API needs a client certificate from the control plane's CA (${socket.authorizationError ?? 'none given'})\n`);
          return;
        }
        const cn = socket.getPeerCertificate().subject?.CN;
        if (cn !== CONTROL_PLANE_CLIENT_CN) {
          res.writeHead(403, { 'Content-Type': 'text/plain' }).end(`forbidden: ${String(cn)} may not read this node's logs; only ${CONTROL_PLANE_CLIENT_CN}\n`);
          return;
        }
      } else {
        const given = Buffer.from(req.headers.authorization ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          res.writeHead(401, { 'Content-Type': 'text/plain' }).end('unauthorized: the node API needs the node token\n');
          return;
        }
      }
      if (options.routes?.some((route) => route(req, res))) return;
      const url = new URL(req.url ?? '/', 'http://node');
      const m = LOG_PATH.exec(url.pathname);
      if (req.method !== 'GET' || !m) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no such node API path: ${url.pathname}\n`);
        return;
      }
      const tail = url.searchParams.get('tailLines');
      const follow = url.searchParams.get('follow') === 'true';
      void this.serveLogs(m[1]!, m[2]!, { ...(tail ? { tail: Number(tail) } : {}), follow }, res);
    };
    this.server = options.tls
      ? https.createServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: true, rejectUnauthorized: false }, handler)
      : http.createServer(handler);
  }

  private async serveLogs(namespace: string, name: string, options: { tail?: number; follow?: boolean }, res: http.ServerResponse): Promise<void> {
    try {
      const out = await this.options.logs(namespace, name, options);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      if (typeof out === 'string') res.end(out);
      else {
        out.pipe(res);
        res.on('close', () => out.destroy());
      }
    } catch (err) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`${(err as Error).message}\n`);
    }
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
