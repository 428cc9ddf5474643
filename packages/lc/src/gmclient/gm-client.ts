/**
 * The LC side of the GM-LC channel. It keeps one connection to the GM, reconnecting forever with backoff;
 * hands downstream messages and full resyncs to the LC in order; and delivers upstream messages reliably:
 * each one is stored in the on-disk outbox first, sent in id order, and removed only when the GM acknowledges
 * it (or refuses it with a negative ack, which is logged). The protocol is in packages/api/src/wire/README.md.
 */
import {
  CloseCode,
  checkDownstreamMessage,
  checkUpstreamMessage,
  describeCloseCode,
  type ChannelLogger,
  type DownstreamMessage,
  type GmFrame,
  type UpstreamMessage,
  type WelcomeFrame,
} from '@sedna/api';
import { ReconnectBackoff } from './backoff.js';
import { GmConnection, type ConnectionEvents } from './connection.js';
import { UpstreamOutbox } from './outbox.js';
import { resolveClientOptions, type GmClientHooks, type GmClientOptions, type ResolvedClientOptions } from './options.js';

type ClientState = 'new' | 'running' | 'closed';

export class GmClient {
  private readonly options: ResolvedClientOptions;
  private readonly logger: ChannelLogger;
  private readonly outbox: UpstreamOutbox;
  private readonly backoff: ReconnectBackoff;
  /** When each upstream message of this process was queued (for the acknowledgement latency metric). */
  private readonly queuedAt = new Map<number, number>();
  private state: ClientState = 'new';
  private connection: GmConnection | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Messages of the resync in progress, between resync-begin and resync-end. */
  private resyncBuffer: { expected: number; messages: DownstreamMessage[] } | undefined;
  /** Hook calls run one after another, in frame order. */
  private deliveries: Promise<void> = Promise.resolve();
  /** Connection attempts that failed since the last welcome; only some of them are logged as warnings. */
  private failedAttempts = 0;
  private readonly connectionEvents: ConnectionEvents;

  /** Opens the outbox now (so sendUpstream works before start()), throwing if the file cannot be used. */
  constructor(
    options: GmClientOptions,
    private readonly hooks: GmClientHooks,
  ) {
    this.options = resolveClientOptions(options);
    this.logger = this.options.logger;
    if (typeof hooks.onMessage !== 'function' || typeof hooks.onResync !== 'function') {
      throw new TypeError('GmClient hooks onMessage and onResync are required');
    }
    this.backoff = new ReconnectBackoff(this.options.reconnect);
    this.outbox = new UpstreamOutbox(this.options.outboxPath);
    this.connectionEvents = {
      welcomed: (connection, frame) => this.guard(connection, () => this.handleWelcome(connection, frame)),
      frame: (connection, frame) => this.guard(connection, () => this.handleFrame(connection, frame)),
      ended: (connection, code, reason, error) => this.handleEnded(connection, code, reason, error),
    };
  }

  /** Welcomed by the GM right now. */
  get connected(): boolean {
    return this.connection?.welcomed ?? false;
  }

  /** Starts connecting; the client then stays connected (or trying to) until close(). */
  start(): void {
    if (this.state !== 'new') throw new Error(`GmClient.start: the client is ${this.state}; a client starts once`);
    this.state = 'running';
    this.logger.info('connecting to the GM', { url: this.options.url.href, node: this.options.hello.name, pendingUpstream: this.outbox.count() });
    this.connect();
  }

  /**
   * Stores an upstream (status) message in the outbox and sends it when connected. Resolves once the message
   * is durable on disk, not when the GM has it. Rejects an invalid or oversized message, or after close().
   */
  async sendUpstream(message: UpstreamMessage): Promise<void> {
    if (this.state === 'closed') throw new Error('GmClient.sendUpstream: the client is closed');
    const checked = checkUpstreamMessage(message);
    if (!checked.ok) throw new TypeError(`GmClient.sendUpstream: ${checked.error}`);
    const messageJson = JSON.stringify(checked.value);
    const frameBytes = Buffer.byteLength(messageJson) + 64;
    if (frameBytes > this.options.maxFrameBytes) {
      throw new RangeError(`GmClient.sendUpstream: the message is ${frameBytes} bytes, over the ${this.options.maxFrameBytes}-byte frame limit`);
    }
    const id = this.outbox.append(messageJson);
    if (this.hooks.onAcknowledged) this.queuedAt.set(id, performance.now());
    this.pumpUpstream();
  }

  /** Upstream messages stored and not yet acknowledged by the GM. */
  pendingUpstream(): number {
    return this.outbox.count();
  }

  /** The outbox's identity, sent in the hello. */
  get outboxEpoch(): string {
    return this.outbox.epoch;
  }

  /** Closes the connection (1001) and the outbox; unacknowledged messages stay on disk for the next start. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      const wasConnected = connection.welcomed;
      await connection.close(CloseCode.GoingAway, 'LC shutting down');
      if (wasConnected) this.notifyConnection(false);
    }
    await this.deliveries;
    this.outbox.close();
  }

  // ---- connection lifecycle -------------------------------------------------------------------------------

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.state !== 'running') return;
    this.resyncBuffer = undefined;
    const url = this.redirectedTo ?? this.options.urls[this.urlIndex % this.options.urls.length]!;
    this.connection = new GmConnection({ ...this.options, url }, this.outbox.epoch, this.connectionEvents, this.logger);
  }

  /** Which of the configured GM URLs is tried next, and where the last follower sent us. */
  private urlIndex = 0;
  private redirectedTo: URL | undefined;
  private redirectsInARow = 0;

  private handleWelcome(connection: GmConnection, frame: WelcomeFrame): void {
    if (connection !== this.connection) return;
    this.backoff.reset();
    this.failedAttempts = 0;
    this.redirectsInARow = 0;
    if (this.options.heartbeatMs * 2 > frame.gracePeriodMs) {
      this.logger.warn('heartbeatMs is too long for the GM\'s grace period; the node may flap NotReady', {
        heartbeatMs: this.options.heartbeatMs,
        gracePeriodMs: frame.gracePeriodMs,
      });
    }
    this.logger.info('connected to the GM', { url: connection.url.href, pendingUpstream: this.outbox.count() });
    this.notifyConnection(true);
    this.pumpUpstream();
  }

  private handleEnded(connection: GmConnection, code: number, reason: string, error: string | undefined): void {
    if (connection !== this.connection) return;
    const wasConnected = connection.wasWelcomed;
    this.connection = undefined;
    this.resyncBuffer = undefined;
    if (wasConnected) this.notifyConnection(false);
    if (this.state !== 'running') return;
    if (connection.redirectTo && this.redirectsInARow < 3) {
      // A follower named the leader: go there at once (a few times in a row at most, against redirect loops).
      this.redirectsInARow++;
      this.redirectedTo = connection.redirectTo;
      this.reconnectTimer = setTimeout(() => this.connect(), 0);
      return;
    }
    // Anything else: back to the configured GMs, the next one in turn. A leader that a follower named and that
    // cannot be reached is probably dead, and the follower about to lead: come back soon (1 s at most).
    // Likewise a GM that says it is starting (503, a new leader's first moments).
    const leaderGone = (this.redirectedTo !== undefined && !wasConnected) || connection.refusedStatus === 503;
    if (this.redirectedTo) this.redirectedTo = undefined;
    else if (!wasConnected) this.urlIndex++;
    this.redirectsInARow = 0;
    const delay = leaderGone ? Math.min(1_000, this.backoff.next()) : this.backoff.next();
    if (error !== undefined) {
      this.failedAttempts++;
      // The first failure of an outage, then one in 20 (about every 100 s at the capped delay).
      const level = this.failedAttempts === 1 || this.failedAttempts % 20 === 0 ? 'warn' : 'debug';
      this.logger[level]('cannot reach the GM; retrying', { url: connection.url.href, error, attempts: this.failedAttempts, retryInMs: delay });
    }
    this.logger.debug('reconnecting', { inMs: delay, code, reason: reason || describeCloseCode(code) });
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /**
   * An outbox failure (disk full, I/O error) while handling a frame is logged and ends this connection; the
   * client reconnects and resends from the outbox, so nothing stored is lost and the LC keeps running.
   */
  private guard(connection: GmConnection, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.logger.error('failure handling a frame from the GM; reconnecting', { error: errorText(err) });
      void connection.close(CloseCode.InternalError, 'LC internal error');
    }
  }

  private notifyConnection(connected: boolean): void {
    try {
      this.hooks.onConnectionChange?.(connected);
    } catch (err) {
      this.logger.error('onConnectionChange hook threw', { error: errorText(err) });
    }
  }

  // ---- frames from the GM ---------------------------------------------------------------------------------

  private handleFrame(connection: GmConnection, frame: Exclude<GmFrame, WelcomeFrame>): void {
    if (connection !== this.connection) return;
    switch (frame.type) {
      case 'ack': {
        const queued = this.queuedAt.get(frame.id);
        if (queued !== undefined) this.hooks.onAcknowledged?.((performance.now() - queued) / 1000);
        this.settleUpstream(connection, frame.id);
        return;
      }
      case 'nack':
        this.logger.error('the GM refused an upstream message; dropping it', { id: frame.id, reason: frame.reason });
        this.settleUpstream(connection, frame.id);
        return;
      case 'resync-begin':
        if (this.resyncBuffer) this.logger.warn('resync-begin inside a resync; starting over');
        this.resyncBuffer = { expected: frame.count, messages: [] };
        return;
      case 'downstream':
        this.handleDownstream(frame.message);
        return;
      case 'resync-end':
        this.finishResync();
        return;
      case 'error':
        this.logger.warn('the GM reported an error', { code: frame.code, message: frame.message });
        return;
    }
  }

  private handleDownstream(raw: unknown): void {
    const checked = checkDownstreamMessage(raw);
    if (!checked.ok) {
      this.logger.error('invalid downstream message ignored', { error: checked.error });
      return;
    }
    if (this.resyncBuffer) {
      this.resyncBuffer.messages.push(checked.value);
      return;
    }
    const message = checked.value;
    this.deliver('onMessage', () => this.hooks.onMessage(message));
  }

  private finishResync(): void {
    const buffer = this.resyncBuffer;
    this.resyncBuffer = undefined;
    if (!buffer) {
      this.logger.warn('resync-end without resync-begin ignored');
      return;
    }
    if (buffer.messages.length !== buffer.expected) {
      this.logger.warn('resync carried a different number of objects than announced', { announced: buffer.expected, received: buffer.messages.length });
    }
    this.logger.debug('resync received', { objects: buffer.messages.length });
    this.deliver('onResync', () => this.hooks.onResync(buffer.messages));
  }

  private deliver(hook: string, call: () => void | Promise<void>): void {
    this.deliveries = this.deliveries
      .then(call)
      .catch((err: unknown) => this.logger.error(`${hook} hook failed; the object stays as it was until the next change or resync`, { error: errorText(err) }));
  }

  // ---- upstream ---------------------------------------------------------------------------------------------

  /** Writes outbox entries in id order, keeping at most upstreamWindow unacknowledged on the connection. */
  private pumpUpstream(): void {
    const connection = this.connection;
    if (!connection?.welcomed) return;
    const room = this.options.upstreamWindow - connection.inFlight.size;
    if (room <= 0) return;
    for (const entry of this.outbox.after(connection.sentUpTo, room)) {
      connection.send(`{"type":"upstream","id":${entry.id},"message":${entry.messageJson}}`);
      connection.inFlight.add(entry.id);
      connection.sentUpTo = entry.id;
    }
  }

  private settleUpstream(connection: GmConnection, id: number): void {
    this.queuedAt.delete(id);
    this.outbox.remove(id);
    connection.inFlight.delete(id);
    this.pumpUpstream();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
