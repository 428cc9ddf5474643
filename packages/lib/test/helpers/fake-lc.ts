/**
 * A stand-in local controller for tests: a real node:http server with the one worker route,
 * `POST /sedna/workers/{name}/info`, answering as the Go LC does. It can be stopped and started again
 * on the same port to simulate an outage, and told to answer the next requests with an error status.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';

export interface ReceivedReport {
  worker: string;
  body: Record<string, unknown>;
}

export class FakeLC {
  readonly received: ReceivedReport[] = [];
  requests = 0;
  private server: Server | undefined;
  private port = 0;
  private failures: number[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answers the next requests with these statuses, one each. */
  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.requests++;
      const match = /^\/sedna\/workers\/([^/]+)\/info$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const failure = this.failures.shift();
        if (failure !== undefined) {
          res.writeHead(failure, { 'content-type': 'text/plain' }).end('injected failure');
          return;
        }
        const worker = decodeURIComponent(match[1] ?? '');
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          res.writeHead(400).end('bad json');
          return;
        }
        if (body.name !== worker) {
          res.writeHead(400).end(`name ${String(body.name)} does not match ${worker}`);
          return;
        }
        this.received.push({ worker, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Status: 200, Message: 'OK' }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the port: connections are refused until start() is called again. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A FakeLC started before each test of the calling block and stopped after it; `use` receives each one. */
export function fakeLcPerTest(use: (lc: FakeLC) => void): void {
  let lc: FakeLC | undefined;
  beforeEach(async () => {
    lc = new FakeLC();
    await lc.start();
    use(lc);
  });
  afterEach(async () => {
    await lc?.stop();
    lc = undefined;
  });
}
