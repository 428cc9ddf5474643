/**
 * Weights over a WebSocket: each weights message is one binary frame (see weights-codec.ts), and
 * small JSON control messages (subscribe, round bookkeeping) travel as text frames. Wraps either side
 * of a connection: `WSTransmitter.connect(url)` for a client, `new WSTransmitter(socket)` for a socket
 * a WebSocketServer accepted.
 */
import { WebSocket, type RawData } from 'ws';

import { decodeWeightsMessage, encodeWeightsMessage, type JsonValue, type WeightsMessage } from './weights-codec.js';

export type TransmitterFrame = { readonly kind: 'weights'; readonly message: WeightsMessage } | { readonly kind: 'control'; readonly data: JsonValue };

export interface RecvOptions {
  /** Give up after this long (default: wait until a frame arrives or the socket closes). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ConnectOptions {
  /** Limit for the opening handshake (default 30 s). */
  timeoutMs?: number;
  /** Largest frame accepted, in bytes (default 512 MiB: a model's weights fit in one frame). */
  maxPayload?: number;
  headers?: Record<string, string>;
}

export const DEFAULT_MAX_PAYLOAD = 512 * 1024 * 1024;

type Inbound = { ok: true; frame: TransmitterFrame } | { ok: false; error: Error };
interface Waiter {
  resolve(frame: TransmitterFrame): void;
  reject(error: Error): void;
}

export class WSTransmitter {
  private readonly inbox: Inbound[] = [];
  private readonly waiters: Waiter[] = [];
  private closedError: Error | undefined;
  private framesSeen = 0;
  private readonly closed: Promise<void>;

  constructor(
    private readonly socket: WebSocket,
    /** Names the peer in errors. */
    private readonly peer = socket.url || 'peer',
  ) {
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    let lastError: Error | undefined;
    socket.on('error', (err: Error) => {
      lastError = err;
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code: number, reason: Buffer) => {
        const why = reason.length > 0 ? `: ${reason.toString('utf8')}` : '';
        this.closedError = new Error(`websocket ${this.peer} closed (code ${code}${why})${lastError ? ` after ${lastError.message}` : ''}`);
        for (const waiter of this.waiters.splice(0)) waiter.reject(this.closedError);
        resolve();
      });
    });
    if (socket.readyState === WebSocket.CLOSED) this.closedError = new Error(`websocket ${this.peer} is closed`);
  }

  static connect(url: string, options: ConnectOptions = {}): Promise<WSTransmitter> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        handshakeTimeout: timeoutMs,
        maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
        ...(options.headers ? { headers: options.headers } : {}),
      });
      // Wrap before 'open' so frames sent right after the handshake are not missed.
      const transmitter = new WSTransmitter(socket, url);
      const onError = (err: Error): void => {
        socket.off('open', onOpen);
        reject(new Error(`cannot connect to ${url}: ${err.message}`, { cause: err }));
      };
      const onOpen = (): void => {
        socket.off('error', onError);
        resolve(transmitter);
      };
      socket.once('error', onError);
      socket.once('open', onOpen);
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends weights (and their meta) as one binary frame. */
  send(message: WeightsMessage): Promise<void> {
    return this.write(encodeWeightsMessage(message), true);
  }

  /** Sends a JSON control message as a text frame. */
  sendControl(data: JsonValue): Promise<void> {
    return this.write(JSON.stringify(data), false);
  }

  /** The next frame, in arrival order. A frame that cannot be decoded rejects with the reason. */
  recv(options: RecvOptions = {}): Promise<TransmitterFrame> {
    const next = this.inbox.shift();
    if (next) return next.ok ? Promise.resolve(next.frame) : Promise.reject(next.error);
    if (this.closedError) return Promise.reject(this.closedError);
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const k = this.waiters.indexOf(waiter);
        if (k >= 0) this.waiters.splice(k, 1);
      };
      const waiter: Waiter = {
        resolve: (frame) => {
          cleanup();
          resolve(frame);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.reject(abortError(options.signal));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => waiter.reject(new Error(`no frame from ${this.peer} within ${options.timeoutMs} ms`)), options.timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** The next frame, which must be weights; a control frame is an error. */
  async recvWeights(options: RecvOptions = {}): Promise<WeightsMessage> {
    const frame = await this.recv(options);
    if (frame.kind !== 'weights') throw new Error(`expected a binary weights frame from ${this.peer}, got a control message ${JSON.stringify(frame.data).slice(0, 200)}`);
    return frame.message;
  }

  /** Closes the connection and waits until it is closed. */
  async close(code = 1000, reason = ''): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    else this.socket.close(code, reason);
    await this.closed;
  }

  private write(data: Uint8Array | string, binary: boolean): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(this.closedError ?? new Error(`websocket ${this.peer} is not open`));
    }
    return new Promise((resolve, reject) => {
      this.socket.send(data, { binary }, (err) => (err ? reject(new Error(`sending to ${this.peer} failed: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.framesSeen++;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let entry: Inbound;
    try {
      entry = isBinary
        ? { ok: true, frame: { kind: 'weights', message: decodeWeightsMessage(bytes) } }
        : { ok: true, frame: { kind: 'control', data: JSON.parse(bytes.toString('utf8')) as JsonValue } };
    } catch (err) {
      const error = new Error(`frame ${this.framesSeen} from ${this.peer} (${isBinary ? 'binary' : 'text'}, ${bytes.length} bytes) is invalid: ${(err as Error).message}`, {
        cause: err,
      });
      entry = { ok: false, error };
    }
    const waiter = this.waiters.shift();
    if (!waiter) this.inbox.push(entry);
    else if (entry.ok) waiter.resolve(entry.frame);
    else waiter.reject(entry.error);
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('recv aborted');
}
