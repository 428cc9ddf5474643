/**
 * One websocket connection attempt from the LC to the GM: dials with the node name and token, sends the hello,
 * waits for the welcome, then sends heartbeats and watches that the GM is still there (its pings). Frames after
 * the welcome go to the client; the connection reports its end exactly once.
 */
import WebSocket from 'ws';
import {
  NODE_NAME_HEADER,
  WIRE_PROTOCOL_VERSION,
  describeCloseCode,
  encodeFrame,
  parseGmFrame,
  type ChannelLogger,
  type GmFrame,
  type LcFrame,
  type WelcomeFrame,
} from '@sedna/api';
import type { ResolvedClientOptions } from './options.js';

export interface ConnectionEvents {
  welcomed(connection: GmConnection, frame: WelcomeFrame): void;
  frame(connection: GmConnection, frame: Exclude<GmFrame, WelcomeFrame>): void;
  /** `error` is the failure that ended it, if any (refused, unreachable, TLS, ...). */
  ended(connection: GmConnection, code: number, reason: string, error: string | undefined): void;
}

/** Silence from the GM (no frame, no ping) longer than this many ping intervals means it is gone. */
const MISSED_PINGS_BEFORE_DEAD = 3;

export class GmConnection {
  private isWelcomed = false;
  private ended = false;
  private refused = false;
  private failure: string | undefined;
  private lastHeardAt = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private readonly ws: WebSocket;
  /** Upstream ids written on this connection and not yet (n)acked. */
  readonly inFlight = new Set<number>();
  /** Highest upstream id written on this connection. */
  sentUpTo = 0;
  /** Where a GM that is not the leader sent us (a 307 to the leader's URL). */
  redirectTo: URL | undefined;
  /** The HTTP status of a refused upgrade (503: a GM starting or stopping, worth a quick retry). */
  refusedStatus: number | undefined;

  constructor(
    private readonly options: ResolvedClientOptions,
    outboxEpoch: string,
    private readonly events: ConnectionEvents,
    private readonly logger: ChannelLogger,
  ) {
    this.ws = new WebSocket(options.url, {
      headers: { [NODE_NAME_HEADER]: options.hello.name, Authorization: `Bearer ${options.token}` },
      ca: options.ca,
      maxPayload: options.maxFrameBytes,
      perMessageDeflate: false,
      handshakeTimeout: options.connectTimeoutMs,
    });
    this.after(options.connectTimeoutMs, () => {
      if (this.isWelcomed) return;
      this.logger.warn('no welcome from the GM in time; dropping the connection', { url: options.url.href, timeoutMs: options.connectTimeoutMs });
      this.ws.terminate();
    });
    this.ws.on('open', () => {
      this.send(encodeFrame({ type: 'hello', protocol: WIRE_PROTOCOL_VERSION, node: options.hello, outboxEpoch }));
    });
    this.ws.on('unexpected-response', (_request, response) => {
      const location = response.headers.location;
      if ((response.statusCode === 307 || response.statusCode === 308) && location) {
        try {
          const target = new URL(location, options.url);
          if (target.protocol === 'ws:' || target.protocol === 'wss:') this.redirectTo = target;
        } catch {
          // not a URL: handled as a refusal below
        }
        if (this.redirectTo) {
          this.logger.info('a GM replica that does not lead sent us to the leader', { from: options.url.href, to: this.redirectTo.href });
          this.refused = true;
          this.ws.terminate();
          return;
        }
      }
      this.refused = true;
      this.refusedStatus = response.statusCode;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 1024) body += chunk;
      });
      response.on('end', () => {
        this.logger.error('the GM refused the connection', { status: response.statusCode, reason: body.trim() });
        this.ws.terminate();
      });
    });
    this.ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.ws.on('ping', () => (this.lastHeardAt = Date.now()));
    this.ws.on('error', (err) => {
      // The client decides how loudly to log it: a long GM outage would otherwise log every retry.
      if (!this.refused) this.failure ??= err.message;
    });
    this.ws.on('close', (code, reason) => this.end(code, reason.toString('utf8')));
  }

  /** The GM this connection dials. */
  get url(): URL {
    return this.options.url;
  }

  get welcomed(): boolean {
    return this.isWelcomed && !this.ended;
  }

  /** Got a welcome at some point, even if it has ended since. */
  get wasWelcomed(): boolean {
    return this.isWelcomed;
  }

  /** Writes a frame if the socket is open; frames written to a dying socket are resent by the client later. */
  send(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  sendFrame(frame: LcFrame): void {
    this.send(encodeFrame(frame));
  }

  /** Closes with a closing handshake; resolves when the connection has ended (at most after `graceMs`). */
  async close(code: number, reason: string, graceMs = 1_000): Promise<void> {
    if (this.ended) return;
    const ended = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close(code, reason);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    if (!this.ended) this.ws.terminate();
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    this.lastHeardAt = Date.now();
    if (isBinary) {
      this.logger.warn('binary frame from the GM ignored');
      return;
    }
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const parsed = parseGmFrame(text);
    if (!parsed.ok) {
      this.logger.warn('malformed frame from the GM ignored', { code: parsed.code, message: parsed.message });
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 'welcome') {
      if (this.isWelcomed) return;
      this.isWelcomed = true;
      this.startHeartbeats(frame);
      this.events.welcomed(this, frame);
      return;
    }
    this.events.frame(this, frame);
  }

  private startHeartbeats(welcome: WelcomeFrame): void {
    this.every(this.options.heartbeatMs, () => {
      const conditions = this.options.conditions?.();
      this.sendFrame({ type: 'heartbeat', ...(conditions ? { conditions } : {}) });
    });
    const deadAfter = welcome.pingIntervalMs * MISSED_PINGS_BEFORE_DEAD;
    this.every(welcome.pingIntervalMs, () => {
      const silentFor = Date.now() - this.lastHeardAt;
      if (silentFor > deadAfter) {
        this.logger.warn('the GM went silent; dropping the connection', { silentForMs: silentFor });
        this.ws.terminate();
      }
    });
  }

  private end(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    if (this.isWelcomed) this.logger.info('disconnected from the GM', { code, reason: reason || describeCloseCode(code) });
    this.events.ended(this, code, reason, this.failure);
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
