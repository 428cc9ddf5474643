/**
 * A training worker's connection to the aggregator: the websocket, the subscribe handshake (the aggregator's echo of
 * this worker's own subscribe message is the acknowledgement, as in the original), and the aggregator's messages in
 * arrival order. Weights travel in binary frames, or as objects under AGG_DATA_PATH with the S3 transmitter.
 */
import { WebSocket, type RawData } from 'ws';
import type { S3Transmitter } from '../../../transmitter/s3-transmitter.js';
import type { WeightTensor } from '../../estimator.js';
import { decodeFrame, encodeFrame } from '../frames.js';
import { weightsToNested } from '../json-weights.js';
import { parseOriginalRecvWeight } from './original-wire.js';
import { ProtocolError, isObject, parseGlobalHeader, parseRejectHeader, type GlobalHeader, type RejectHeader, type UpdateHeader, type Wire } from '../protocol.js';

export type Inbound =
  | { readonly kind: 'global'; readonly header: GlobalHeader; readonly weights: WeightTensor[] | undefined }
  | { readonly kind: 'reject'; readonly header: RejectHeader; readonly retry: boolean }
  /** The connection is gone (closed, dropped, or replaced); `error` says how. */
  | { readonly kind: 'closed'; readonly error: Error }
  /** A message from the aggregator this worker cannot understand: the two sides do not speak the same protocol. */
  | { readonly kind: 'broken'; readonly error: Error };

/** The aggregator refused this worker (HTTP 401/403: not the job's credential); trying again will not help. */
export class AggregatorRefusedWorker extends Error {}

/** The headers that present the job's credential (SEDNA_JOB_CREDENTIAL) to the aggregator, if there is one. */
export function credentialHeaders(credential: string | undefined): Record<string, string> {
  return credential === undefined ? {} : { authorization: `Bearer ${credential}` };
}

export interface ConnectionOptions {
  url: string;
  clientId: string;
  /** The job's credential (SEDNA_JOB_CREDENTIAL), sent with the upgrade request. */
  credential?: string;
  /** Limit for the handshake and the subscribe acknowledgement (default 30 s). */
  timeoutMs?: number;
  /** Largest frame accepted (default 512 MiB). */
  maxPayloadBytes?: number;
  /** With the S3 transmitter: where weights objects are written and read. */
  s3?: S3Transmitter;
  /**
   * binary (default): this lib's frames, with sync_weight on joining. json: the original's messages, for an aggregation
   * server of the original Python lib (no sync_weight: a worker trains from its own model, weights as nested lists).
   */
  wire?: Wire;
  /**
   * How long the aggregator may stay silent (no message, no ping) before the connection is taken for lost and
   * dropped, so that the worker reconnects (default 120 s; the aggregator pings every 15 s). A network that fails
   * without closing the connection is otherwise never noticed.
   */
  idleTimeoutMs?: number;
}

export class AggregatorConnection {
  bytesSent = 0;
  bytesReceived = 0;
  private readonly inbox: Inbound[] = [];
  private readonly waiters: ((message: Inbound) => void)[] = [];
  /** Keeps messages in order while S3 objects are read. */
  private chain: Promise<void> = Promise.resolve();
  private ended = false;
  private idleTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: WebSocket,
    private readonly options: ConnectionOptions,
  ) {}

  /** Connects and subscribes; rejects when the aggregator cannot be reached or does not acknowledge in time. */
  static open(options: ConnectionOptions): Promise<AggregatorConnection> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(options.url, {
        handshakeTimeout: timeoutMs,
        maxPayload: options.maxPayloadBytes ?? 512 * 1024 * 1024,
        // Client frames must carry a mask; it exists to stop scripts in browsers from steering what caching proxies
        // see, which a training worker is not. A zero mask spares both ends a JS pass over every weight byte (in
        // ws without its native addon that pass cost more than the rest of the transfer).
        generateMask: (mask: Buffer) => mask.fill(0),
        headers: credentialHeaders(options.credential),
      });
      socket.binaryType = 'nodebuffer';
      const connection = new AggregatorConnection(socket, options);
      let acknowledged = false;
      const timer = setTimeout(() => fail(new Error(`the aggregator at ${options.url} did not acknowledge the subscription within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error): void => {
        if (acknowledged) return;
        acknowledged = true;
        clearTimeout(timer);
        socket.terminate();
        reject(error);
      };
      socket.once('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const reason = Buffer.concat(chunks).toString('utf8').slice(0, 500);
          const error = new Error(`the aggregator at ${options.url} refused the connection with HTTP ${status}${reason ? `: ${reason}` : ''}`);
          fail(status === 401 || status === 403 ? new AggregatorRefusedWorker(error.message) : error);
        });
        response.on('error', () => fail(new Error(`the aggregator at ${options.url} refused the connection with HTTP ${status}`)));
      });
      socket.once('error', (error) => fail(new Error(`cannot reach the aggregator at ${options.url}: ${error.message}`, { cause: error })));
      socket.once('close', (code) => fail(new Error(`the aggregator at ${options.url} closed the connection (code ${code}) before acknowledging`)));
      // The original's subscribe message, with this lib's wire named for an aggregator of this lib.
      const wire = options.wire ?? 'binary';
      socket.once('open', () => socket.send(JSON.stringify(wire === 'binary' ? { type: 'subscribe', client_id: options.clientId, wire } : { type: 'subscribe', client_id: options.clientId })));
      socket.on('message', (data: RawData, isBinary: boolean) => {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        if (acknowledged) {
          connection.receive(bytes, isBinary);
          return;
        }
        if (!isBinary && isOwnSubscribe(bytes, options.clientId)) {
          acknowledged = true;
          clearTimeout(timer);
          socket.removeAllListeners('close');
          socket.removeAllListeners('error');
          connection.watchClose();
          resolve(connection);
        }
      });
    });
  }

  /** The next message from the aggregator (waits for one). */
  next(signal?: AbortSignal): Promise<Inbound> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(deliver);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      };
      const deliver = (message: Inbound): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(message);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(deliver);
    });
  }

  /** Sends an update: one binary frame, or (S3) the weights object and then the header naming it. */
  async sendUpdate(header: UpdateHeader, body: Uint8Array, weights: readonly WeightTensor[]): Promise<void> {
    if (this.options.s3 !== undefined) {
      const object = `updates/round-${String(header.round_number).padStart(5, '0')}/${safeName(header.client)}.weights`;
      await this.options.s3.send(object, { weights, meta: { client: header.client, round_number: header.round_number } });
      this.bytesSent += weights.reduce((sum, tensor) => sum + 4 * tensor.data.length, 0);
      await this.write(JSON.stringify({ ...header, delta: false, object }), false);
      return;
    }
    await this.write(encodeFrame({ ...header }, body), true);
  }

  /** The wire this connection speaks. */
  get wire(): Wire {
    return this.options.wire ?? 'binary';
  }

  /**
   * Sends an update in the original's JSON form, the message its AggregationClient.send builds:
   * `{"type":"update_weight","client","data":{"num_samples","weights":[nested lists]},"job_name"}`.
   */
  sendUpdateJson(header: UpdateHeader, weights: readonly WeightTensor[]): Promise<void> {
    return this.write(JSON.stringify({ type: 'update_weight', client: header.client, data: { num_samples: header.num_samples, weights: weightsToNested(weights) }, job_name: header.job_name }), false);
  }

  /** Sends a frame as it is (MistNet's features). The S3 transmitter does not carry these: they go over the socket. */
  sendFrame(frame: Uint8Array): Promise<void> {
    return this.write(frame, true);
  }

  /** Closes politely. */
  close(): void {
    this.ended = true;
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000, 'done');
  }

  /** Drops the connection without a closing handshake (what a crash looks like to the aggregator). */
  terminate(): void {
    this.ended = true;
    this.socket.terminate();
  }

  private write(data: Uint8Array | string, binary: boolean): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) return Promise.reject(new Error('the connection to the aggregator is closed'));
    this.bytesSent += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    return new Promise((resolve, reject) => this.socket.send(data, { binary }, (error) => (error ? reject(error) : resolve())));
  }

  private watchClose(): void {
    let lastError: Error | undefined;
    const idleMs = this.options.idleTimeoutMs ?? 120_000;
    const rearm = (): void => {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => {
        lastError = new Error(`nothing from the aggregator for ${idleMs / 1000} s`);
        this.socket.terminate();
      }, idleMs);
      this.idleTimer.unref();
    };
    rearm();
    this.socket.on('ping', rearm);
    this.socket.on('message', rearm);
    this.socket.on('error', (error) => {
      lastError = error;
    });
    this.socket.once('close', (code: number, reason: Buffer) => {
      clearTimeout(this.idleTimer);
      const why = reason.length > 0 ? `: ${reason.toString('utf8')}` : '';
      const error = new Error(`the connection to the aggregator closed (code ${code}${why})${lastError ? ` after ${lastError.message}` : ''}`);
      this.chain = this.chain.then(() => this.deliver({ kind: 'closed', error }));
    });
  }

  private receive(bytes: Buffer, isBinary: boolean): void {
    this.bytesReceived += bytes.length;
    this.chain = this.chain.then(async () => {
      try {
        const message = await this.decode(bytes, isBinary);
        if (message !== undefined) this.deliver(message);
      } catch (error) {
        this.deliver({ kind: 'broken', error: new Error(`a message from the aggregator cannot be read: ${(error as Error).message}`, { cause: error }) });
      }
    });
  }

  private async decode(bytes: Buffer, isBinary: boolean): Promise<Inbound | undefined> {
    if (isBinary) {
      const frame = decodeFrame(bytes);
      return { kind: 'global', header: parseGlobalHeader(frame.header), weights: frame.weights };
    }
    const message: unknown = JSON.parse(bytes.toString('utf8'));
    if (!isObject(message)) throw new ProtocolError('a message must be a JSON object');
    if (this.wire === 'json') {
      // The original's messages: recv_weight carries the model in `data`; CLIENT_JOIN, subscribe echoes of other
      // workers and anything else are not for this worker (the original's recv(wait_data_type) skips them too).
      if (message['type'] !== 'recv_weight') return undefined;
      const { header, weights } = parseOriginalRecvWeight(message);
      return { kind: 'global', header, weights };
    }
    switch (message['type']) {
      case 'reject_weight':
        return { kind: 'reject', header: parseRejectHeader(message), retry: message['retry'] === true };
      case 'recv_weight':
      case 'sync_weight': {
        // The S3 transmitter: the header names the object with the global model.
        const header = parseGlobalHeader(message);
        if (!header.has_weights) return { kind: 'global', header, weights: undefined };
        if (header.object === undefined || this.options.s3 === undefined) throw new ProtocolError(`${header.type} arrived as text without an S3 object to read the weights from`);
        const got = await this.options.s3.recv(header.object, { timeoutMs: 60_000, pollMs: 100 });
        this.bytesReceived += got.weights.reduce((sum, tensor) => sum + 4 * tensor.data.length, 0);
        return { kind: 'global', header, weights: [...got.weights] };
      }
      default:
        // CLIENT_JOIN, other workers' subscribe echoes, and messages broadcast as they are.
        return undefined;
    }
  }

  private deliver(message: Inbound): void {
    if (this.ended && message.kind !== 'closed') return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(message);
    else this.inbox.push(message);
  }
}

function isOwnSubscribe(bytes: Buffer, clientId: string): boolean {
  try {
    const message = JSON.parse(bytes.toString('utf8')) as { type?: unknown; client_id?: unknown };
    return message.type === 'subscribe' && message.client_id === clientId;
  } catch {
    return false;
  }
}

/** A worker name as an object name segment (the S3 transmitter allows letters, digits, '.', '_' and '-'). */
function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}
