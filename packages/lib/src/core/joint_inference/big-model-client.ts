/**
 * The edge's client of the big model service (the original's ModelClient): `POST http://host:port/{job}/predict`.
 * It keeps connections alive between hard examples. Forms: binary tensors (this lib's service), JSON as the original
 * sends it (`{"data": sample.tolist(), "post_process": null}` -> `{"result": estimator output}`, for big model
 * services of the original Python lib), or auto (the default): the service's `GET /{job}` says whether it takes
 * binary tensors (this lib's answer lists its forms; the original's lists only its routes), asked once.
 *
 * Unlike the original (5 attempts 3 s apart, no timeout), a call makes one attempt with a time limit: a hard example
 * waiting 12 s for a cloud that is down is worse than the edge answer. The only retry is the one keep-alive needs:
 * a request on a reused connection that the server closed at the same moment is sent again once.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import type { Tensor } from '../estimator.js';
import { NestedListError, tensorFromNested, tensorToNested } from './nested-list.js';
import { JSON_CONTENT_TYPE, predictPath, servicePath } from './protocol.js';
import { decodeTensor, encodeTensor, TENSOR_CONTENT_TYPE, TensorWireError } from './tensor-wire.js';

export type WireFormat = 'binary' | 'json';
/** A form, or `auto`: ask the service. */
export type WireFormatChoice = WireFormat | 'auto';

/** Per call: a form other than the client's. */
export interface PredictOptions {
  format?: WireFormat;
}

/** Why a cloud call failed: the edge counts these and answers with its own result. */
export type CloudFailureKind = 'refused' | 'timeout' | 'network' | 'http' | 'protocol';

export class CloudInferenceError extends Error {
  override name = 'CloudInferenceError';
  constructor(
    readonly kind: CloudFailureKind,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What JointInference needs from a cloud: a batch in, its outputs out. */
export interface CloudPredictor {
  /** The service's base URL, for messages. */
  readonly endpoint: string;
  predict(batch: Tensor, options?: PredictOptions): Promise<Tensor>;
  close?(): void;
}

export interface BigModelClientOptions {
  host: string;
  port: number;
  /** The service's path prefix (JOB_NAME). */
  jobName: string;
  /** auto (default: ask the service), binary, or json (the original's form). */
  format?: WireFormatChoice;
  /** Time limit of one call, connection included (default 10 s). */
  timeoutMs?: number;
  /** Most connections kept to the service (default 8). */
  maxSockets?: number;
}

export const DEFAULT_CLOUD_TIMEOUT_MS = 10_000;

export class BigModelClient implements CloudPredictor {
  readonly endpoint: string;
  /** The form chosen; with auto, the one the service named once asked (auto until then). */
  format: WireFormatChoice;
  readonly timeoutMs: number;
  /** http://host:port */
  private readonly origin: string;
  private readonly agent: Agent;

  constructor(private readonly options: BigModelClientOptions) {
    if (!options.host) throw new Error('big model host must be set (BIG_MODEL_IP)');
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new RangeError(`big model port must be 1..65535, got ${options.port}`);
    this.format = options.format ?? 'auto';
    if (this.format !== 'binary' && this.format !== 'json' && this.format !== 'auto') throw new RangeError(`format must be 'auto', 'binary' or 'json', got ${String(options.format)}`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CLOUD_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${this.timeoutMs}`);
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    this.origin = `http://${host}:${options.port}`;
    this.endpoint = `${this.origin}${servicePath(options.jobName)}`;
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 8 });
  }

  /**
   * Runs a batch [n, ...sample] on the big model; resolves with [n, ...outputs] or rejects with a CloudInferenceError.
   * In the JSON form one sample goes without its batch axis, as the original's edge sent `data.tolist()`, and the
   * answer is that sample's output whatever its shape (the original's service answers the estimator's output).
   */
  async predict(batch: Tensor, options: PredictOptions = {}): Promise<Tensor> {
    const format = options.format ?? (await this.resolvedFormat());
    const single = format === 'json' && batch.shape[0] === 1;
    const sent = single ? { data: batch.data, shape: batch.shape.slice(1) } : batch;
    const body = format === 'binary' ? encodeTensor(batch) : Buffer.from(JSON.stringify({ data: sent.shape.length === 0 ? [sent.data[0]] : tensorToNested(sent), post_process: null }));
    const contentType = format === 'binary' ? TENSOR_CONTENT_TYPE : JSON_CONTENT_TYPE;
    const reply = await this.send('POST', predictPath(this.options.jobName), body, contentType);
    const output = format === 'binary' ? decodeBinaryReply(reply.body) : decodeJsonReply(reply.body);
    if (single) return output.shape.length >= 2 && output.shape[0] === 1 ? output : { data: output.data, shape: [1, ...output.shape] };
    if (output.shape[0] !== batch.shape[0]) {
      throw new CloudInferenceError('protocol', `the big model answered ${output.shape[0]} rows for ${batch.shape[0]} samples`);
    }
    return output;
  }

  /** The form to send: the one chosen, or (auto) the one the service's `GET /{job}` names, asked once. */
  private async resolvedFormat(): Promise<WireFormat> {
    if (this.format !== 'auto') return this.format;
    const info = (await this.info()) as { service?: { forms?: unknown } } | null;
    const forms = info?.service?.forms;
    this.format = Array.isArray(forms) && forms.includes(TENSOR_CONTENT_TYPE) ? 'binary' : 'json';
    return this.format;
  }

  /** The service's `GET /{job}` answer. */
  async info(): Promise<unknown> {
    const reply = await this.send('GET', servicePath(this.options.jobName));
    return parseJson(reply.body);
  }

  /** Closes the kept connections. */
  close(): void {
    this.agent.destroy();
  }

  private async send(method: string, path: string, body?: Buffer, contentType?: string): Promise<{ body: Buffer }> {
    try {
      return await this.attempt(method, path, body, contentType);
    } catch (error) {
      if (error instanceof StaleSocketError) return this.attempt(method, path, body, contentType);
      throw error;
    }
  }

  private attempt(method: string, path: string, body: Buffer | undefined, contentType: string | undefined): Promise<{ body: Buffer }> {
    const url = `${this.origin}${path}`;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: contentType ?? JSON_CONTENT_TYPE };
      if (body !== undefined) {
        headers['content-type'] = contentType ?? JSON_CONTENT_TYPE;
        headers['content-length'] = body.length;
      }
      const req = request(url, { method, agent: this.agent, headers });
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      const timer = setTimeout(() => {
        fail(new CloudInferenceError('timeout', `no answer from ${url} within ${this.timeoutMs} ms`));
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) fail(new StaleSocketError(error.message));
        else if (error.code === 'ECONNREFUSED') fail(new CloudInferenceError('refused', `${url} refused the connection`, undefined, { cause: error }));
        else fail(new CloudInferenceError('network', `${url}: ${error.message}`, undefined, { cause: error }));
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => fail(new CloudInferenceError('network', `${url}: ${error.message}`, undefined, { cause: error })));
        res.on('end', () => {
          const text = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            fail(new CloudInferenceError('http', `${url} answered HTTP ${status}${describeErrorBody(text)}`, status));
            return;
          }
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ body: text });
        });
      });
      req.end(body);
    });
  }
}

/** A kept-alive connection the server had closed: the request never reached it, so sending it again is safe. */
class StaleSocketError extends Error {}

function describeErrorBody(body: Buffer): string {
  if (body.length === 0) return '';
  const text = body.toString('utf8', 0, Math.min(body.length, 300));
  try {
    const parsed = JSON.parse(text) as { error?: unknown; detail?: unknown };
    const reason = parsed.error ?? parsed.detail;
    if (reason !== undefined) return `: ${typeof reason === 'string' ? reason : JSON.stringify(reason)}`;
  } catch {
    // not JSON: show the text
  }
  return `: ${text.trim()}`;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new CloudInferenceError('protocol', `the big model answered invalid JSON: ${(error as Error).message}`, undefined, { cause: error });
  }
}

function decodeBinaryReply(body: Buffer): Tensor {
  try {
    return decodeTensor(body);
  } catch (error) {
    if (error instanceof TensorWireError) throw new CloudInferenceError('protocol', `the big model answered a bad tensor: ${error.message}`, undefined, { cause: error });
    throw error;
  }
}

function decodeJsonReply(body: Buffer): Tensor {
  const parsed = parseJson(body) as { result?: unknown } | null;
  if (parsed === null || typeof parsed !== 'object' || !('result' in parsed)) throw new CloudInferenceError('protocol', 'the big model answer has no "result"');
  try {
    return tensorFromNested(parsed.result, 'result');
  } catch (error) {
    if (error instanceof NestedListError) throw new CloudInferenceError('protocol', `the big model answered a bad result: ${error.message}`, undefined, { cause: error });
    throw error;
  }
}
