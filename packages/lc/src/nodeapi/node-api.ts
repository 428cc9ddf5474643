/**
 * The node API of a local controller (what the kubelet's port is to Kubernetes): the control plane reads pod logs
 * here for `kubectl logs` and `sedna logs`. Authenticated with the node token, since logs may hold anything a
 * worker printed.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { LogUnavailableError } from '../runner/process-runner.js';

export interface NodeLogOptions {
  tail?: number;
  follow?: boolean;
  previous?: boolean;
}

export interface NodeApiOptions {
  host: string;
  port: number;
  token: string;
  logs: (namespace: string, name: string, options: NodeLogOptions) => Readable | Promise<string>;
  /** Other routes (metrics, log search), after authentication: true when handled. */
  routes?: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean)[];
}

const LOG_PATH = /^\/pods\/([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)\/log$/;

export class NodeApi {
  private readonly server: http.Server;

  constructor(private readonly options: NodeApiOptions) {
    const expected = Buffer.from(`Bearer ${options.token}`);
    this.server = http.createServer((req, res) => {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('unauthorized: the node API needs the node token\n');
        return;
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
      const previous = url.searchParams.get('previous') === 'true';
      void this.serveLogs(m[1]!, m[2]!, { ...(tail ? { tail: Number(tail) } : {}), follow, previous }, res);
    });
  }

  private async serveLogs(namespace: string, name: string, options: NodeLogOptions, res: http.ServerResponse): Promise<void> {
    try {
      const out = await this.options.logs(namespace, name, options);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      if (typeof out === 'string') res.end(out);
      else {
        out.pipe(res);
        res.on('close', () => out.destroy());
      }
    } catch (err) {
      // 400 as a kubelet answers for a container not started or no previous run; 404 for a pod not here.
      res.writeHead(err instanceof LogUnavailableError ? 400 : 404, { 'Content-Type': 'text/plain' }).end(`${(err as Error).message}\n`);
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
