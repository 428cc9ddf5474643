/**
 * The cloud side of joint inference: the big model behind an HTTP server (the original's BigModelService and
 * its FastAPI InferenceServer), speaking the protocol of ./protocol.ts so that edge workers of the original
 * Python lib and of this one both work. Concurrent requests are batched through the estimator (./micro-batcher.ts).
 *
 * Settings come from the environment the control plane injects: JOB_NAME (the path prefix, default "sedna"),
 * BIG_MODEL_BIND_IP (default 127.0.0.1; the GM gives the address the edge is sent to), BIG_MODEL_BIND_PORT (default 5000) and MODEL_URL (the model to load).
 * Unlike the original, it does not report to the LC (neither did the original: its job kind stayed "default").
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BaseConfig, type Env } from '../../common/config.js';
import type { Estimator, Tensor } from '../estimator.js';
import { stderrLog, type LogLine } from './log.js';
import { BatcherClosedError, DEFAULT_BATCH_WINDOW_MS, DEFAULT_MAX_BATCH_SIZE, MicroBatcher, QueueFullError, type MicroBatcherStats } from './micro-batcher.js';
import { NestedListError, tensorFromNested, tensorToNested } from './nested-list.js';
import { BadRequestError, HEALTH_PATH, JSON_CONTENT_TYPE, predictPath, servicePath, viewBinaryBatch, viewJsonData } from './protocol.js';
import { declaredSampleShape } from './sample-shape.js';
import { decodeTensor, encodeTensor, TENSOR_CONTENT_TYPE, TensorWireError } from './tensor-wire.js';
import { bigModelServiceRecorder } from '../../metrics/recorders.js';
import { MalformedRequest, guardRequests, parseJsonBounded, parseRequestUrl } from '@sedna/api/guard';
import { WORKER_ENV } from '@sedna/api/contracts';

/** Without BIG_MODEL_BIND_IP the service faces this host only: it has no authentication of its own. */
export const DEFAULT_BIND_IP = '127.0.0.1';
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface BigModelServiceOptions {
  /** The big model. */
  estimator: Estimator;
  /** Where the settings below are read when not given (default process.env). */
  env?: Env;
  /** The model to load on start (default MODEL_URL); false when the estimator already holds its model. */
  modelUrl?: string | false;
  /** The path prefix (default JOB_NAME, else "sedna"). */
  jobName?: string;
  /** Bind address (default BIG_MODEL_BIND_IP, else 127.0.0.1). */
  host?: string;
  /** Bind port (default BIG_MODEL_BIND_PORT, else 5000; 0 picks a free one). */
  port?: number;
  /** Per-sample input shape, to answer 400 to requests of another shape (default: what the estimator declares). */
  sampleShape?: readonly number[];
  /** Most samples per estimator call (default 64). */
  maxBatchSize?: number;
  /** How long a request waits for others to batch with (default 2 ms). */
  batchWindowMs?: number;
  /** Largest request body (default 64 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** How long stop() waits for a running batch before closing the connections anyway (default 5 s). */
  stopGraceMs?: number;
  log?: LogLine;
}

export interface BigModelServiceStats {
  /** Predictions answered, by form. */
  jsonRequests: number;
  binaryRequests: number;
  /** Requests refused as malformed (4xx). */
  rejected: number;
  /** Requests that failed inside the service (5xx). */
  failed: number;
  batching: MicroBatcherStats;
}

export interface ServiceAddress {
  host: string;
  port: number;
  /** The service's base URL, http://host:port/{job}. */
  url: string;
}

type WireForm = 'json' | 'binary';

export class BigModelService {
  readonly jobName: string;
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly modelUrl: string | false;
  private readonly maxBodyBytes: number;
  private readonly log: LogLine;
  private readonly batcher: MicroBatcher;
  private sampleShape: readonly number[] | undefined;
  private server: Server | undefined;
  private bound: ServiceAddress | undefined;
  private ignoredCallbackLogged = false;
  /** Predictions whose bodies are still arriving: the batcher waits its window only while there are some. */
  private arriving = 0;
  private readonly counts = { jsonRequests: 0, binaryRequests: 0, rejected: 0, failed: 0 };
  /** Times and counts predict requests (the worker's /metrics), made on the first one. */
  private served: ReturnType<typeof bigModelServiceRecorder> | undefined;

  constructor(private readonly options: BigModelServiceOptions) {
    const config = new BaseConfig(options.env ?? process.env);
    this.jobName = options.jobName ?? config.jobName;
    if (this.jobName === '' || this.jobName.includes('/')) throw new Error(`job name must be a non-empty path segment, got ${JSON.stringify(this.jobName)}`);
    this.host = options.host ?? config.bigModelBindIp ?? DEFAULT_BIND_IP;
    this.requestedPort = options.port ?? config.bigModelBindPort;
    if (!Number.isInteger(this.requestedPort) || this.requestedPort < 0 || this.requestedPort > 65535) throw new RangeError(`port must be 0..65535, got ${this.requestedPort}`);
    const modelUrl = options.modelUrl ?? config.modelUrl;
    if (modelUrl === undefined) {
      throw new Error('MODEL_URL is not set: the big model service needs the model to load (or modelUrl: false for an estimator that already holds its model)');
    }
    this.modelUrl = modelUrl;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.log = options.log ?? stderrLog('big-model-service');
    this.batcher = new MicroBatcher({
      run: (batch) => options.estimator.predict(batch),
      maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
      windowMs: options.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS,
      expectingMore: () => this.arriving > 0,
    });
  }

  get address(): ServiceAddress {
    if (this.bound === undefined) throw new Error('the big model service is not started');
    return this.bound;
  }

  get stats(): BigModelServiceStats {
    return { ...this.counts, batching: this.batcher.stats };
  }

  /** Loads the model, then listens; resolves with the address once requests are accepted. */
  async start(): Promise<ServiceAddress> {
    if (this.server !== undefined) throw new Error('the big model service is already started');
    if (this.modelUrl !== false) await this.options.estimator.load(this.modelUrl);
    this.sampleShape = this.options.sampleShape ?? declaredSampleShape(this.options.estimator);
    const server = createServer(guardRequests((req, res) => this.handle(req, res), { name: 'big model service', log: (line) => this.log(line) }));
    // Edge clients keep connections open between hard examples; close idle ones late, so a reused socket is rarely
    // one the server is closing at that moment.
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.requestedPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.log(`server error: ${error.message}`));
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    const host = this.host;
    const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    this.bound = { host, port, url: `http://${urlHost}:${port}${servicePath(this.jobName)}` };
    const shape = this.sampleShape ? `[${this.sampleShape.join(', ')}]` : 'undeclared';
    this.log(
      `listening on ${host}:${port}: POST ${predictPath(this.jobName)} (samples ${shape}; batches of up to ${this.batcher.maxBatchSize} within ${this.batcher.windowMs} ms), GET ${servicePath(this.jobName)}, GET ${HEALTH_PATH}`,
    );
    return this.bound;
  }

  /** Runs samples through the batcher directly, as a request would ([n, ...sample] in, [n, ...] out). */
  inference(batch: Tensor): Promise<Tensor> {
    return this.batcher.submit(batch);
  }

  /** Stops accepting requests, lets the running batch answer, fails the waiting ones (503) and closes. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([this.batcher.close(), new Promise((resolve) => (grace = setTimeout(resolve, this.options.stopGraceMs ?? 5000)))]);
    clearTimeout(grace);
    // Let the handlers of the last batch write their answers before the sockets go.
    await new Promise((resolve) => setImmediate(resolve));
    server.closeAllConnections();
    await closed;
  }

  private info(): Record<string, unknown> {
    const base = servicePath(this.jobName);
    return {
      infos: [
        { path: base, name: 'model_info' },
        { path: predictPath(this.jobName), name: 'predict' },
        { path: HEALTH_PATH, name: 'healthz' },
      ],
      service: {
        jobName: this.jobName,
        sampleShape: this.sampleShape ?? null,
        forms: [JSON_CONTENT_TYPE, TENSOR_CONTENT_TYPE],
        maxBatchSize: this.batcher.maxBatchSize,
        batchWindowMs: this.batcher.windowMs,
        stats: this.stats,
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = parseRequestUrl(req.url).pathname;
      if (path === predictPath(this.jobName)) {
        requireMethod(req, 'POST');
        this.served ??= bigModelServiceRecorder({ namespace: process.env[WORKER_ENV.NAMESPACE] ?? 'default', name: this.jobName });
        await this.served(() => this.predict(req, res));
      } else if (path === servicePath(this.jobName)) {
        requireMethod(req, 'GET');
        sendJson(res, 200, this.info());
      } else if (path === HEALTH_PATH) {
        requireMethod(req, 'GET');
        sendJson(res, 200, { status: 'ok' });
      } else {
        throw new BadRequestError(404, `no route ${path}: this service answers POST ${predictPath(this.jobName)}, GET ${servicePath(this.jobName)} and GET ${HEALTH_PATH}`);
      }
    } catch (error) {
      this.answerError(req, res, error);
    }
  }

  private async predict(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Counted from the headers until the samples reach the batcher: a batch waits for company only while some are on
    // their way. A request that fails before that lets a waiting batch go at once (nudge).
    this.arriving++;
    let submitted = false;
    const submit = (batch: Tensor): Promise<Tensor> => {
      submitted = true;
      this.arriving--;
      return this.batcher.submit(batch);
    };
    try {
      const form = requestForm(req);
      const body = await readBody(req, this.maxBodyBytes);
      if (form === 'binary') {
        let tensor: Tensor;
        try {
          tensor = decodeTensor(body);
        } catch (error) {
          if (error instanceof TensorWireError) throw new BadRequestError(400, `bad tensor: ${error.message}`);
          throw error;
        }
        const output = await submit(viewBinaryBatch(tensor, this.sampleShape));
        this.counts.binaryRequests++;
        res.writeHead(200, { 'content-type': TENSOR_CONTENT_TYPE });
        res.end(encodeTensor(output));
        return;
      }
      const request = parseJsonRequest(body);
      this.noteIgnoredCallback(request);
      const view = viewJsonData(request.data, this.sampleShape);
      const output = await submit(view.batch);
      this.counts.jsonRequests++;
      const rows = tensorToNested(output);
      sendJson(res, 200, { result: view.single ? rows[0] : rows });
    } finally {
      if (!submitted) {
        this.arriving--;
        this.batcher.nudge();
      }
    }
  }

  /** The original server read `callback`, its client sent `post_process`; neither can run here, and saying so once is enough. */
  private noteIgnoredCallback(request: JsonPredictRequest): void {
    if (this.ignoredCallbackLogged || request.callback === undefined) return;
    this.ignoredCallbackLogged = true;
    this.log(`ignoring the request's post-processing callback ${JSON.stringify(request.callback)}: callbacks are not run by this service`);
  }

  private answerError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    let status: number;
    let reason: string;
    if (error instanceof MalformedRequest) {
      status = error.status;
      reason = error.message;
      this.counts.rejected++;
    } else if (error instanceof BadRequestError) {
      status = error.status;
      reason = error.message;
      this.counts.rejected++;
    } else if (error instanceof QueueFullError || error instanceof BatcherClosedError) {
      status = 503;
      reason = error.message;
      this.counts.failed++;
    } else {
      status = 500;
      reason = `inference failed: ${error instanceof Error ? error.message : String(error)}`;
      this.counts.failed++;
      this.log(`${req.method} ${req.url}: ${reason}`);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    if (error instanceof MethodNotAllowed) headers['allow'] = error.allow;
    // A body we stopped reading cannot leave the connection reusable.
    if (!req.complete) headers['connection'] = 'close';
    sendJson(res, status, { error: reason }, headers);
  }
}

class MethodNotAllowed extends BadRequestError {
  constructor(
    method: string | undefined,
    readonly allow: string,
  ) {
    super(405, `method ${method ?? '(none)'} is not allowed here; use ${allow}`);
  }
}

function requireMethod(req: IncomingMessage, method: string): void {
  if (req.method !== method) throw new MethodNotAllowed(req.method, method);
}

function requestForm(req: IncomingMessage): WireForm {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === '' || type === JSON_CONTENT_TYPE) return 'json';
  if (type === TENSOR_CONTENT_TYPE) return 'binary';
  throw new BadRequestError(415, `unsupported Content-Type ${JSON.stringify(type)}: send ${JSON_CONTENT_TYPE} ({"data": [...]}) or ${TENSOR_CONTENT_TYPE} (a binary tensor)`);
}

interface JsonPredictRequest {
  data: Tensor;
  /** `callback` (what the original server read) or `post_process` (what its client sent), when given. */
  callback: string | undefined;
}

function parseJsonRequest(body: Buffer): JsonPredictRequest {
  let parsed: unknown;
  try {
    parsed = parseJsonBounded(body.toString('utf8'), { what: 'the body' });
  } catch (error) {
    if (error instanceof MalformedRequest) throw new BadRequestError(400, `bad JSON: ${error.message}`);
    throw new BadRequestError(400, `bad JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadRequestError(400, 'bad request: the body must be a JSON object {"data": [...]}');
  const fields = parsed as Record<string, unknown>;
  if (fields['data'] === undefined || fields['data'] === null) throw new BadRequestError(400, 'missing data: the body must have a "data" list');
  let data: Tensor;
  try {
    data = tensorFromNested(fields['data'], 'data');
  } catch (error) {
    if (error instanceof NestedListError) throw new BadRequestError(400, `bad data: ${error.message}`);
    throw error;
  }
  const callback = [fields['callback'], fields['post_process']].find((value) => value !== undefined && value !== null);
  return { data, callback: callback === undefined ? undefined : String(callback) };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BadRequestError(413, `the body is ${declared} bytes, the limit is ${limit}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new BadRequestError(413, `the body is over the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
