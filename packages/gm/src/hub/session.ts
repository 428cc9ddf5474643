/**
 * One websocket connection from an LC: turns text frames into typed events for the hub, answers malformed
 * frames with an error frame (and keeps the connection), and writes downstream messages through a coalescing
 * queue so a slow node only ever gets the latest state of each object.
 */
import type { RawData, WebSocket } from 'ws';
import {
  CloseCode,
  describeCloseCode,
  encodeFrame,
  parseLcFrame,
  type ChannelLogger,
  type GmFrame,
  type HeartbeatFrame,
  type HelloFrame,
  type UpstreamFrame,
  type WireErrorCode,
} from '@sedna/api';
import { CoalescingQueue } from './coalescing-queue.js';

/**
 * awaiting-hello: connected, nothing said yet; greeting: hello received, the hub is registering the node;
 * resyncing: welcome sent, the full state is being sent; live: downstream messages flow; closed: gone.
 */
export type SessionState = 'awaiting-hello' | 'greeting' | 'resyncing' | 'live' | 'closed';

export interface SessionEvents {
  hello(session: NodeSession, frame: HelloFrame): void;
  upstream(session: NodeSession, frame: UpstreamFrame): void;
  heartbeat(session: NodeSession, frame: HeartbeatFrame): void;
  closed(session: NodeSession, code: number, reason: string): void;
}

/** Writes handed to the socket but not yet flushed; beyond this, pending messages wait (and coalesce). */
const MAX_WRITES_IN_FLIGHT = 16;

export class NodeSession {
  private stateValue: SessionState = 'awaiting-hello';
  private readonly queue = new CoalescingQueue<string>();
  private writesInFlight = 0;
  private flushScheduled = false;
  private heardSinceLastPing = true;
  /** The hub's upstream budget is spent: this socket is not read for now (upstream-budget.ts). */
  private readingPaused = false;
  private helloTimer: NodeJS.Timeout | undefined;
  private epoch: string | undefined;
  private resolveClosed!: () => void;
  /** Resolves once the socket has closed. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(
    readonly nodeName: string,
    readonly remoteAddress: string,
    private readonly ws: WebSocket,
    private readonly events: SessionEvents,
    private readonly logger: ChannelLogger,
    helloTimeoutMs: number,
  ) {
    this.helloTimer = setTimeout(() => this.close(CloseCode.HelloTimeout, `no hello frame within ${helloTimeoutMs} ms`), helloTimeoutMs);
    this.helloTimer.unref();
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.on('pong', () => (this.heardSinceLastPing = true));
    ws.on('error', (err: Error & { code?: string }) => {
      // ws has already started closing with 1009 when a frame exceeds maxPayload; say why in our log.
      const message = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? `frame larger than the limit; ${describeCloseCode(CloseCode.MessageTooBig)}` : err.message;
      this.logger.warn('websocket error', { node: nodeName, remote: remoteAddress, error: message });
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
  }

  get state(): SessionState {
    return this.stateValue;
  }

  /** Past the hello: the node is connected as far as the hub's callers are concerned. */
  get welcomed(): boolean {
    return this.stateValue === 'resyncing' || this.stateValue === 'live';
  }

  get open(): boolean {
    return this.stateValue !== 'closed';
  }

  /** Downstream messages waiting to be written. */
  get queuedMessages(): number {
    return this.queue.size;
  }

  /** The outbox epoch from this connection's hello; upstream ids on this connection belong to it. */
  get outboxEpoch(): string | undefined {
    return this.epoch;
  }

  /** The hub accepted the hello and is registering the node. */
  markGreeting(outboxEpoch: string): void {
    if (this.stateValue !== 'awaiting-hello') return;
    this.stateValue = 'greeting';
    this.epoch = outboxEpoch;
  }

  /**
   * Enters the resync: pending messages are dropped because the resync, computed from now on, covers them.
   * Messages queued from here on are written after resync-end.
   */
  beginResync(): void {
    if (!this.open) return;
    this.queue.clear();
    this.stateValue = 'resyncing';
  }

  /** Writes resync-begin, one downstream frame per message, resync-end; then lets queued messages flow. */
  sendResync(encodedMessages: readonly string[]): void {
    if (this.stateValue !== 'resyncing') return;
    this.send({ type: 'resync-begin', count: encodedMessages.length });
    for (const message of encodedMessages) this.sendRaw(downstreamFrameText(message));
    this.send({ type: 'resync-end' });
    this.stateValue = 'live';
    this.scheduleFlush();
  }

  /**
   * Queues an encoded downstream message under its object key. Before the resync starts there is nothing to
   * queue: the resync will carry the object's state.
   */
  enqueue(key: string, encodedMessage: string): void {
    if (this.stateValue !== 'resyncing' && this.stateValue !== 'live') return;
    this.queue.put(key, encodedMessage);
    this.scheduleFlush();
  }

  send(frame: GmFrame): void {
    this.sendRaw(encodeFrame(frame));
  }

  sendError(code: WireErrorCode, message: string): void {
    this.send({ type: 'error', code, message });
  }

  /** Whether the hub stopped reading this socket for now (its upstream budget is spent). */
  get paused(): boolean {
    return this.readingPaused;
  }

  /** Stops reading this socket (the hub holds too many upstream messages); frames already read still arrive. */
  pauseReading(): void {
    if (this.readingPaused || !this.open) return;
    this.readingPaused = true;
    this.ws.pause();
  }

  resumeReading(): void {
    if (!this.readingPaused) return;
    this.readingPaused = false;
    // Its pongs were not read while paused: silence then is not a dead peer.
    this.heardSinceLastPing = true;
    if (this.open) this.ws.resume();
  }

  /** Called on the hub's ping tick: cuts a peer that answered nothing since the previous ping. */
  pingOrCut(): void {
    if (!this.open || this.readingPaused) return;
    if (!this.heardSinceLastPing) {
      this.logger.warn('node answered no ping; cutting the connection', { node: this.nodeName, remote: this.remoteAddress });
      this.ws.terminate();
      return;
    }
    this.heardSinceLastPing = false;
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    this.ws.close(code, reason);
  }

  /** Drops the socket without a closing handshake (hub shutdown of a peer that does not answer). */
  terminate(): void {
    this.ws.terminate();
  }

  private sendRaw(text: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(text, (err) => {
      if (err) this.logger.warn('write failed', { node: this.nodeName, error: err.message });
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Deferred so that several sends for one object in the same tick leave only the latest.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.stateValue === 'live' && this.writesInFlight < MAX_WRITES_IN_FLIGHT && this.queue.size > 0) {
      if (this.ws.readyState !== this.ws.OPEN) return;
      const message = this.queue.shift()!;
      this.writesInFlight++;
      this.ws.send(downstreamFrameText(message), (err) => {
        this.writesInFlight--;
        if (err) {
          this.logger.warn('downstream write failed', { node: this.nodeName, error: err.message });
          return;
        }
        if (this.queue.size > 0) this.scheduleFlush();
      });
    }
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.heardSinceLastPing = true;
    if (isBinary) {
      this.reject('BinaryFrame', 'binary frames are not part of the protocol; send JSON text frames');
      return;
    }
    const text = rawDataText(data);
    const parsed = parseLcFrame(text);
    if (!parsed.ok) {
      this.reject(parsed.code, parsed.message);
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 'hello') {
      if (this.stateValue !== 'awaiting-hello') {
        this.reject('UnexpectedFrame', 'hello already received on this connection');
        return;
      }
      this.clearHelloTimer();
      this.events.hello(this, frame);
      return;
    }
    if (this.stateValue === 'awaiting-hello') {
      this.reject('UnexpectedFrame', `${frame.type} frame before hello; the first frame must be a hello`);
      return;
    }
    if (frame.type === 'heartbeat') {
      this.events.heartbeat(this, frame);
      return;
    }
    if (this.stateValue === 'greeting') {
      this.reject('UnexpectedFrame', 'upstream frame before the welcome frame');
      return;
    }
    this.events.upstream(this, frame);
  }

  /** A malformed or misplaced frame: logged and answered; the connection stays. */
  private reject(code: WireErrorCode, message: string): void {
    this.logger.warn('malformed frame from node', { node: this.nodeName, remote: this.remoteAddress, code, message });
    this.sendError(code, message);
  }

  private clearHelloTimer(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
  }

  private onClose(code: number, reason: string): void {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    this.clearHelloTimer();
    this.queue.clear();
    this.resolveClosed();
    this.events.closed(this, code, reason);
  }
}

/** The downstream frame around an already encoded message, so a message is serialized once per send(). */
function downstreamFrameText(encodedMessage: string): string {
  return `{"type":"downstream","message":${encodedMessage}}`;
}

function rawDataText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
