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
import { guardRequests, MalformedRequest, parseRequestUrl } from '@sedna/api/guard';
import { LogUnavailableError } from '../runner/process-runner.js';

export interface NodeLogOptions {
  tail?: number;
  follow?: boolean;
  previous?: boolean;
}

export interface NodeApiOptions {
  host: string;
  port: number;
  /** The token callers must present when there is no TLS. */
  token: string;
  /** The node's certificate and key, and the CA its callers' certificates must come from. */
  tls?: { cert: string; key: string; ca: string };
  logs: (namespace: string, name: string, options: NodeLogOptions) => Readable | Promise<string>;
  /** Other routes (metrics, log search), after authentication: true when handled. */
  routes?: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean)[];
}

const LOG_PATH = /^\/pods\/([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)\/log$/;

export class NodeApi {
  private readonly server: http.Server;

  constructor(private readonly options: NodeApiOptions) {
    const expected = Buffer.from(`Bearer ${options.token}`);
    const text = (res: http.ServerResponse, status: number, reason: string): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${reason}\n`);
    };
    /** Who asks: the control plane's client certificate over TLS, else (no TLS) the node token. */
    const authorized = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
      if (options.tls) {
        const socket = req.socket as TLSSocket;
        if (!socket.authorized) {
          text(res, 401, `unauthorized: the node API needs a client certificate from the control plane's CA (${String(socket.authorizationError ?? 'none given')})`);
          return false;
        }
        const cn = socket.getPeerCertificate().subject?.CN;
        if (cn !== CONTROL_PLANE_CLIENT_CN) {
          text(res, 403, `forbidden: ${String(cn)} may not read this node's logs; only ${CONTROL_PLANE_CLIENT_CN}`);
          return false;
        }
        return true;
      }
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        text(res, 401, 'unauthorized: the node API needs the node token');
        return false;
      }
      return true;
    };
    // Guarded: nothing a caller sends (before or after the identity check) may throw out of the handler.
    const handler = guardRequests((req, res) => {
      if (!authorized(req, res)) return;
      // The request target is checked before any route sees it: a malformed one is a 400 here, not a throw there.
      const url = parseRequestUrl(req.url);
      if (options.routes?.some((route) => route(req, res))) return;
      const m = LOG_PATH.exec(url.pathname);
      if (req.method !== 'GET' || !m) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no such node API path: ${url.pathname}\n`);
        return;
      }
      const tail = url.searchParams.get('tailLines');
      if (tail !== null && tail !== '' && !/^\d{1,9}$/.test(tail)) throw new MalformedRequest(400, `tailLines must be a non-negative integer, got ${JSON.stringify(tail.slice(0, 50))}`);
      const follow = url.searchParams.get('follow') === 'true';
      const previous = url.searchParams.get('previous') === 'true';
      return this.serveLogs(m[1]!, m[2]!, { ...(tail ? { tail: Number(tail) } : {}), follow, previous }, res);
    }, { name: 'node API', answer: text });
    this.server = options.tls
      ? https.createServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: true, rejectUnauthorized: false }, handler)
      : http.createServer(handler);
  }

  private async serveLogs(namespace: string, name: string, options: NodeLogOptions, res: http.ServerResponse): Promise<void> {
    try {
      const out = await this.options.logs(namespace, name, options);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      if (typeof out === 'string') res.end(out);
      else {
        out.on('error', () => res.destroy());
        out.pipe(res);
        res.on('close', () => out.destroy());
      }
    } catch (err) {
      // 400 as a kubelet answers for a container not started or no previous run; 404 for a pod not here.
      if (res.headersSent) res.destroy();
      else res.writeHead(err instanceof LogUnavailableError ? 400 : 404, { 'Content-Type': 'text/plain' }).end(`${(err as Error).message}\n`);
    }
  }

  /** Listens on the configured port, or on `port` when given (a retry on another port after a failure). */
  async listen(portOverride?: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(portOverride ?? this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
