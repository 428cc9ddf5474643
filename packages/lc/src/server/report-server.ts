import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MalformedRequest, assertClientErrorStatus, decodeComponent, parseJsonBounded, parseRequestUrl, readLimitedBody } from '@sedna/api/guard';
import { adaptOriginalLibMessage, parseWorkerMessage, WORKER_REPORT_PATH, type WorkerMessage, type WorkerOwnerLookup } from '@sedna/api/contracts';

/** Takes the reports of one owner kind (a manager of the LC). */
export type WorkerReportHandler = (message: WorkerMessage) => void | Promise<void>;

/**
 * Thrown by a handler that could not store a report durably (a full disk: 507, as WebDAV's Insufficient Storage).
 * The report is not acknowledged, so the worker's reporter retries it.
 */
export class WorkerReportNotStored extends Error {
  override readonly name = 'WorkerReportNotStored';
  constructor(
    readonly status: 503 | 507,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by a handler that refuses a report (e.g. a job this node does not know): answered with its 4xx status. */
export class WorkerReportRejected extends Error {
  override readonly name = 'WorkerReportRejected';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    assertClientErrorStatus(status, 'WorkerReportRejected');
  }
}

export interface WorkerReportServerOptions {
  /**
   * Interface to listen on. Default 127.0.0.1: embedded workers run on this host, and a report endpoint that
   * only local workers should use has no reason to face the network. In a cluster, where workers use the host
   * network (as Sedna's train and eval pods do), the same default fits; use 0.0.0.0 for pod-network workers.
   */
  host?: string;
  /** Default 9100, the original's BIND_PORT; 0 picks a free port. */
  port?: number;
  /** Largest accepted body (default 1 MiB). */
  maxBodyBytes?: number;
  /** Whether this node runs the worker; unknown workers get 403. */
  isKnownWorker: (name: string, namespace: string) => boolean | Promise<boolean>;
  /** The owner of a worker this node runs: gives reports of the original lib's `ownerKind: "default"` their kind. */
  workerOwner?: WorkerOwnerLookup;
  warn?: (message: string) => void;
}

export const DEFAULT_REPORT_PORT = 9100;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Failure answered to the worker: HTTP status and the reason in the body. */
class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/**
 * The local controller's endpoint for worker reports: `POST /sedna/workers/{name}/info` with a MessageContent
 * JSON body, routed by `ownerKind` to the handler its manager registered. Answers `{"Status":200,"Message":"OK"}`
 * (capitalised keys, as the original) or `{"Status":4xx|5xx,"Message":"<reason>"}`. Unlike the original, an
 * unknown ownerKind is refused with the list of known kinds instead of being dropped silently, and only workers
 * this node runs are accepted. `GET /healthz` answers `ok`.
 */
export class WorkerReportServer {
  private readonly handlers = new Map<string, WorkerReportHandler>();
  private readonly server: http.Server;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: WorkerReportServerOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.server = http.createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        // serve answers everything it can; this is what is left (e.g. a socket gone while answering).
        this.warn(`request ${req.method} ${String(req.url).slice(0, 200)} failed: ${(error as Error).message}`);
        res.destroy();
      });
    });
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
  }

  /** Routes reports whose ownerKind is `ownerKind` (case-insensitive) to `handler`. */
  register(ownerKind: string, handler: WorkerReportHandler): void {
    const kind = ownerKind.toLowerCase();
    if (kind === '') throw new Error('WorkerReportServer.register: ownerKind must not be empty');
    if (this.handlers.has(kind)) throw new Error(`WorkerReportServer.register: ownerKind "${kind}" already has a handler`);
    this.handlers.set(kind, handler);
  }

  /** Owner kinds with a handler, sorted. */
  knownKinds(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** Listens on the configured port, or on `port` when given (a retry on another port after a failure). */
  async listen(portOverride?: number): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? '127.0.0.1';
    const port = portOverride ?? this.options.port ?? DEFAULT_REPORT_PORT;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(new Error(`worker report server: cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    return this.address()!;
  }

  address(): { host: string; port: number } | undefined {
    const address = this.server.address() as AddressInfo | null;
    return address ? { host: address.address, port: address.port } : undefined;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const pathname = parseRequestUrl(req.url).pathname;
      if (pathname === '/healthz') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new Refusal(405, 'use GET /healthz', { Allow: 'GET, HEAD' });
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
        return;
      }
      const message = await this.accept(req, pathname);
      await this.dispatch(message);
      reply(res, 200, 'OK');
    } catch (caught) {
      const error = caught instanceof MalformedRequest ? new Refusal(caught.status, caught.message, caught.status === 413 ? { Connection: 'close' } : {}) : caught;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof Refusal) {
        reply(res, error.status, error.reason, error.headers);
        // A body over the limit was not read to its end: drop the connection once the answer is out.
        if (error.status === 413) res.once('finish', () => req.socket.destroy());
        return;
      }
      this.warn(`request ${req.method} ${req.url} failed: ${(error as Error).message}`);
      reply(res, 500, `internal error: ${(error as Error).message}`);
    }
  }

  /** Checks method, body and worker of a report request; returns the message or throws a Refusal. */
  private async accept(req: http.IncomingMessage, pathname: string): Promise<WorkerMessage> {
    const match = WORKER_REPORT_PATH.exec(pathname);
    if (!match) throw new Refusal(404, `no route for ${req.method} ${pathname}; workers report with POST /sedna/workers/{name}/info`);
    if (req.method !== 'POST') throw new Refusal(405, `use POST for ${pathname}`, { Allow: 'POST' });
    const workerName = decodeComponent(match[1] as string, 'the worker name in the path');
    const contentType = req.headers['content-type'] ?? '';
    if (/xml/i.test(contentType)) throw new Refusal(415, `content type ${contentType} is not supported; send JSON (application/json)`);

    const text = (await readLimitedBody(req, this.maxBodyBytes)).toString('utf8');
    // Depth-checked before parsing: a report nested thousands of levels deep is refused here, not acknowledged and
    // then lost when it cannot be stored.
    const body = parseJsonBounded(text, { what: 'body' });
    // The original Python lib's shapes (no status on inference reports, ownerKind "default") first.
    const adapted = adaptOriginalLibMessage(body, this.options.workerOwner);
    if (!adapted.ok) throw new Refusal(400, adapted.reason);
    const parsed = parseWorkerMessage(adapted.body, workerName);
    if (!parsed.ok) throw new Refusal(400, parsed.reason);
    const { name, namespace } = parsed.message;
    if (!(await this.options.isKnownWorker(name, namespace))) {
      throw new Refusal(403, `worker ${namespace}/${name} is not a worker this node runs; only local workers may report here`);
    }
    return parsed.message;
  }

  /** Hands the report to the handler of its ownerKind. */
  private async dispatch(message: WorkerMessage): Promise<void> {
    const handler = this.handlers.get(message.ownerKind.toLowerCase());
    if (!handler) {
      const known = this.knownKinds();
      throw new Refusal(400, `unknown ownerKind "${message.ownerKind}"; known kinds: ${known.length > 0 ? known.join(', ') : '(none registered)'}`);
    }
    try {
      await handler(message);
    } catch (error) {
      if (error instanceof WorkerReportRejected) throw new Refusal(error.status, error.message);
      if (error instanceof WorkerReportNotStored) throw new Refusal(error.status, error.message, { 'Retry-After': '5' });
      this.warn(`handler for ${message.ownerKind} failed on the report of ${message.namespace}/${message.name}: ${(error as Error).message}`);
      throw new Refusal(500, `the ${message.ownerKind} manager failed to take the report: ${(error as Error).message}`);
    }
  }

  private warn(message: string): void {
    (this.options.warn ?? ((text: string) => console.warn(`[worker-report-server] ${text}`)))(message);
  }
}

function reply(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ Status: status, Message: message });
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
