/**
 * The GM side of the GM-LC channel: a websocket server that local controllers dial. It authenticates them,
 * runs the hello / welcome / resync conversation, delivers downstream messages (coalesced per object),
 * applies upstream messages in order through the GM's handler and acknowledges them once applied, and tracks
 * node readiness from heartbeats. The protocol is described in packages/api/src/wire/README.md.
 */
import { guardUpgrades, parseRequestUrl } from '@sedna/api/guard';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CloseCode,
  WIRE_PROTOCOL_VERSION,
  checkDownstreamMessage,
  checkUpstreamMessage,
  describeCloseCode,
  messageKey,
  type DownstreamMessage,
  type HeartbeatFrame,
  type HelloFrame,
  type NodeCondition,
  type NodeHello,
  type UpstreamFrame,
} from '@sedna/api';
import { refuseUpgrade, verifyUpgrade } from './auth.js';
import { NodeSession, type SessionEvents } from './session.js';
import { UpstreamBudget } from './upstream-budget.js';
import { UpstreamSequencer } from './upstream-sequencer.js';
import {
  resolveHubOptions,
  type NodeHubHooks,
  type NodeHubOptions,
  type NodeReadyReason,
  type ResolvedHubOptions,
} from './options.js';

/** What the hub knows about a node; outlives the node's connections (within this hub process). */
interface NodeRecord {
  readonly name: string;
  session: NodeSession | undefined;
  hello: NodeHello | undefined;
  /** undefined until the node first said hello. */
  ready: boolean | undefined;
  lastHeartbeatAt: number;
  readonly upstream: UpstreamSequencer;
  /** The pressure conditions of the last heartbeat, as JSON (to tell the GM only of changes). */
  conditions?: string;
}

/** A snapshot of one node for callers (status pages, the GM's node controller). */
export interface HubNodeInfo {
  name: string;
  connected: boolean;
  ready: boolean | undefined;
  hello: NodeHello | undefined;
  lastHeartbeatAt: Date | undefined;
  pendingUpstream: number;
  queuedDownstream: number;
  /** The hub is not reading the node's socket for now: it holds as many upstream messages as it may (upstream-budget.ts). */
  readingPaused: boolean;
}

type HubState = 'new' | 'starting' | 'running' | 'closing' | 'closed';

export class NodeHub {
  private readonly options: ResolvedHubOptions;
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly wss: WebSocketServer;
  private readonly server: HttpServer | HttpsServer;
  private readonly ownsServer: boolean;
  private state: HubState = 'new';
  private timers: NodeJS.Timeout[] = [];
  private readonly sessionEvents: SessionEvents;
  private readonly upstreamBudget: UpstreamBudget;
  // Guarded: an exception out of an upgrade listener ends the process, and the request comes before any token check.
  private readonly upgradeListener = guardUpgrades((request: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(request, socket, head), {
    name: 'node hub',
    log: (line) => this.options.logger.error(line),
  });

  constructor(
    options: NodeHubOptions,
    private readonly hooks: NodeHubHooks,
  ) {
    this.options = resolveHubOptions(options);
    this.upstreamBudget = new UpstreamBudget(this.options.maxUpstreamInFlight);
    if (typeof hooks.onUpstream !== 'function' || typeof hooks.resyncFor !== 'function') {
      throw new TypeError('NodeHub hooks onUpstream and resyncFor are required');
    }
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.options.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    if (this.options.server) {
      this.server = this.options.server;
      this.ownsServer = false;
    } else {
      const tls = this.options.tls;
      this.server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }) : createHttpServer();
      this.ownsServer = true;
      this.server.on('request', (req, res) => {
        if (this.options.onRequest?.(req, res)) return;
        res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
        res.end('this endpoint serves the GM-LC websocket channel only\n');
      });
    }
    this.sessionEvents = {
      hello: (session, frame) => this.guard(session, 'hello', this.handleHello(session, frame)),
      upstream: (session, frame) => this.guard(session, 'upstream', this.handleUpstream(session, frame)),
      heartbeat: (session, frame) => this.handleHeartbeat(session, frame),
      closed: (session, code, reason) => this.handleClosed(session, code, reason),
    };
  }

  /** Starts serving: listens (unless attached to a server already listening) and starts the node timers. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`NodeHub.start: the hub is ${this.state}; a hub starts once`);
    this.state = 'starting';
    this.server.on('upgrade', this.upgradeListener);
    if (!this.server.listening) {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(new Error(`NodeHub cannot listen on ${this.options.host}:${this.options.port}: ${err.message}`));
        this.server.once('error', onError);
        this.server.listen(this.options.port, this.options.host, () => {
          this.server.off('error', onError);
          resolve();
        });
      });
    }
    const graceTick = Math.max(10, Math.min(1_000, Math.floor(this.options.nodeGracePeriodMs / 4)));
    this.timers = [
      setInterval(() => this.checkHeartbeats(), graceTick),
      setInterval(() => this.pingSessions(), this.options.pingIntervalMs),
    ];
    for (const timer of this.timers) timer.unref();
    this.state = 'running';
    const { address, port } = this.address();
    this.options.logger.info('node hub listening', { address, port, tls: this.server instanceof HttpsServer });
  }

  /** The bound address; useful with port 0. */
  address(): AddressInfo {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('NodeHub.address: the hub is not listening on a TCP port');
    return address;
  }

  /**
   * Queues a downstream message for a node; several messages for one object (kind/namespace/name) not yet
   * written leave only the latest. Returns false when the node is not connected: the message is dropped, as
   * the resync after the node's next hello carries the object's current state.
   * Throws on an invalid message or one larger than the frame limit.
   */
  send(node: string, message: DownstreamMessage): boolean {
    const checked = checkDownstreamMessage(message);
    if (!checked.ok) throw new TypeError(`NodeHub.send to ${node}: ${checked.error}`);
    const encoded = this.encodeDownstream(message);
    const session = this.nodes.get(node)?.session;
    if (!session || !session.open) return false;
    session.enqueue(messageKey(message.header), encoded);
    return true;
  }

  /** Nodes with a connection past the hello. */
  connectedNodes(): string[] {
    const out: string[] = [];
    for (const record of this.nodes.values()) if (record.session?.welcomed) out.push(record.name);
    return out;
  }

  /** Every node the hub has seen since it started. */
  knownNodes(): string[] {
    return [...this.nodes.keys()];
  }

  /** What the hub knows about a node it has seen since it started. */
  nodeInfo(node: string): HubNodeInfo | undefined {
    const record = this.nodes.get(node);
    if (!record) return undefined;
    return {
      name: record.name,
      connected: record.session?.welcomed ?? false,
      ready: record.ready,
      hello: record.hello,
      lastHeartbeatAt: record.hello ? new Date(record.lastHeartbeatAt) : undefined,
      pendingUpstream: record.upstream.pending,
      queuedDownstream: record.session?.queuedMessages ?? 0,
      readingPaused: record.session?.paused ?? false,
    };
  }

  /**
   * Stops accepting connections, lets upstream handlers in progress finish and be acknowledged (up to
   * drainTimeoutMs), then closes every connection with 1001. Readiness hooks are not called for this.
   */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    const wasListening = this.state === 'running' || this.state === 'starting';
    this.state = 'closing';
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.server.off('upgrade', this.upgradeListener);
    const serverClosed = this.ownsServer && wasListening ? new Promise<void>((resolve) => this.server.close(() => resolve())) : Promise.resolve();

    await this.drainUpstream();
    const sessions = [...this.nodes.values()].flatMap((record) => (record.session ? [record.session] : []));
    await closeSessions(sessions, 1_000);
    this.wss.close();
    if (this.ownsServer) this.server.closeAllConnections();
    await serverClosed;
    this.state = 'closed';
    this.options.logger.info('node hub closed');
  }

  // ---- connection lifecycle -------------------------------------------------------------------------------

  private handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = parseRequestUrl(request.url).pathname;
    if (path !== this.options.path) {
      // On a server we share, another listener may serve this path.
      if (this.ownsServer) refuseUpgrade(socket, 404, `no websocket endpoint at ${path}; the GM-LC channel is at ${this.options.path}`);
      return;
    }
    if (this.state !== 'running') {
      refuseUpgrade(socket, 503, 'the GM is shutting down');
      return;
    }
    const remote = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
    verifyUpgrade(request, this.options.auth).then(
      (verdict) => {
        if (!verdict.ok) {
          this.options.logger.warn('refused a connection', { remote, status: verdict.status, reason: verdict.message });
          refuseUpgrade(socket, verdict.status, verdict.message);
          return;
        }
        this.wss.handleUpgrade(request, socket, head, (ws) => this.adopt(ws, verdict.nodeName, remote));
      },
      (err: unknown) => {
        this.options.logger.error('cannot check a connection\'s credential', { remote, error: errorText(err) });
        refuseUpgrade(socket, 503, 'the GM cannot check credentials now; retry');
      },
    );
  }

  /** Cuts a node's connection (its credential was revoked); it stays NotReady until it connects again. */
  disconnect(node: string, reason: string): void {
    const session = this.nodes.get(node)?.session;
    if (session?.open) session.close(CloseCode.PolicyViolation, reason.slice(0, 120));
  }

  private adopt(ws: WebSocket, nodeName: string, remote: string): void {
    if (this.state !== 'running') {
      ws.close(CloseCode.GoingAway, 'the GM is shutting down');
      return;
    }
    const record = this.recordFor(nodeName);
    const previous = record.session;
    const session = new NodeSession(nodeName, remote, ws, this.sessionEvents, this.options.logger, this.options.helloTimeoutMs);
    record.session = session;
    if (previous?.open) {
      this.options.logger.info('a new connection replaces the node\'s previous one', { node: nodeName, remote, previous: previous.remoteAddress });
      previous.close(CloseCode.Replaced, describeCloseCode(CloseCode.Replaced));
    }
    this.options.logger.debug('node connected; waiting for hello', { node: nodeName, remote });
  }

  private async handleHello(session: NodeSession, frame: HelloFrame): Promise<void> {
    const name = session.nodeName;
    const { logger } = this.options;
    if (frame.node.name !== name) {
      const message = `hello names node ${JSON.stringify(frame.node.name)} but the Node-Name header says ${JSON.stringify(name)}`;
      logger.warn('hello refused', { node: name, reason: message });
      session.sendError('NodeNameMismatch', message);
      session.close(CloseCode.HelloRejected, 'node name mismatch');
      return;
    }
    if (frame.protocol !== WIRE_PROTOCOL_VERSION) {
      const message = `protocol ${frame.protocol} is not supported; this GM speaks protocol ${WIRE_PROTOCOL_VERSION}`;
      logger.warn('hello refused', { node: name, reason: message });
      session.sendError('ProtocolMismatch', message);
      session.close(CloseCode.HelloRejected, 'protocol mismatch');
      return;
    }
    session.markGreeting(frame.outboxEpoch);
    const record = this.recordFor(name);
    record.hello = frame.node;
    record.upstream.useEpoch(frame.outboxEpoch);
    try {
      await this.hooks.onNodeHello?.(frame.node);
    } catch (err) {
      const message = `the GM could not register the node: ${errorText(err)}`;
      logger.error('onNodeHello failed; refusing the node for now', { node: name, error: errorText(err) });
      session.sendError('HelloRejected', message);
      session.close(CloseCode.InternalError, 'node registration failed');
      return;
    }
    if (!this.isCurrent(record, session)) return;

    session.send({
      type: 'welcome',
      protocol: WIRE_PROTOCOL_VERSION,
      pingIntervalMs: this.options.pingIntervalMs,
      gracePeriodMs: this.options.nodeGracePeriodMs,
    });
    record.lastHeartbeatAt = Date.now();
    this.setReady(record, true, 'NodeConnected', `node connected from ${session.remoteAddress}`);
    logger.info('node connected', { node: name, remote: session.remoteAddress, version: frame.node.version });
    await this.resync(record, session);
  }

  private async resync(record: NodeRecord, session: NodeSession): Promise<void> {
    session.beginResync();
    let messages: DownstreamMessage[];
    try {
      messages = await this.hooks.resyncFor(record.name);
    } catch (err) {
      this.options.logger.error('resyncFor failed; closing so the node retries', { node: record.name, error: errorText(err) });
      session.sendError('ResyncFailed', `the GM could not compute the node's state: ${errorText(err)}`);
      session.close(CloseCode.InternalError, 'resync failed');
      return;
    }
    if (!this.isCurrent(record, session)) return;
    const encoded: string[] = [];
    for (const message of messages) {
      const checked = checkDownstreamMessage(message);
      if (!checked.ok) {
        this.options.logger.error('resyncFor returned an invalid message; left out of the resync', { node: record.name, error: checked.error });
        continue;
      }
      try {
        encoded.push(this.encodeDownstream(message));
      } catch (err) {
        this.options.logger.error('resync message left out', { node: record.name, error: errorText(err) });
      }
    }
    session.sendResync(encoded);
    this.options.logger.debug('resync sent', { node: record.name, objects: encoded.length });
  }

  private async handleUpstream(session: NodeSession, frame: UpstreamFrame): Promise<void> {
    // While closing, new messages are left unacknowledged: the LC keeps them and resends to the next GM.
    if (this.state !== 'running') return;
    const record = this.recordFor(session.nodeName);
    const epoch = session.outboxEpoch;
    if (epoch === undefined) return; // unreachable: upstream frames are only accepted after a hello
    if (record.upstream.pending >= this.options.maxPendingUpstream) {
      this.options.logger.error('node exceeded the unacknowledged upstream limit; cutting it', { node: record.name, limit: this.options.maxPendingUpstream });
      session.close(CloseCode.PolicyViolation, `more than ${this.options.maxPendingUpstream} unacknowledged upstream messages`);
      return;
    }
    this.upstreamBudget.acquire(session);
    const outcome = await record.upstream
      .submit(epoch, frame.id, async () => {
        const checked = checkUpstreamMessage(frame.message);
        if (!checked.ok) throw new Error(checked.error);
        await this.hooks.onUpstream(record.name, checked.value, { id: frame.id, outboxEpoch: epoch });
      })
      .finally(() => this.upstreamBudget.release());
    if (outcome.kind === 'failed') {
      this.options.logger.warn('upstream message rejected; negative ack sent, the LC drops it', {
        node: record.name,
        id: frame.id,
        reason: outcome.reason,
        object: describeObject(frame.message),
      });
      session.send({ type: 'nack', id: frame.id, reason: outcome.reason });
      return;
    }
    // Sent on the connection the message came on; if it is gone the LC resends and gets a duplicate ack.
    session.send({ type: 'ack', id: frame.id });
  }

  private handleHeartbeat(session: NodeSession, frame: HeartbeatFrame): void {
    const record = this.nodes.get(session.nodeName);
    if (!record || record.session !== session) return;
    record.lastHeartbeatAt = Date.now();
    this.hooks.onNodeHeartbeat?.(session.nodeName);
    if (frame.conditions) {
      const conditions: NodeCondition[] = frame.conditions.map(({ type, status, reason, message }) => ({ type, status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) }));
      const text = JSON.stringify(conditions);
      if (text !== record.conditions) {
        record.conditions = text;
        this.hooks.onNodeConditions?.(record.name, conditions);
      }
    }
    if (record.ready === false && session.welcomed) this.setReady(record, true, 'HeartbeatResumed', 'heartbeats resumed');
  }

  private handleClosed(session: NodeSession, code: number, reason: string): void {
    this.upstreamBudget.forget(session);
    const record = this.nodes.get(session.nodeName);
    const fields = { node: session.nodeName, remote: session.remoteAddress, code, reason: reason || describeCloseCode(code) };
    if (!record || record.session !== session) {
      this.options.logger.debug('replaced connection closed', fields);
      return;
    }
    record.session = undefined;
    if (this.state !== 'running') return;
    this.options.logger.info('node disconnected', fields);
    // A node that never got past the hello has no readiness to lose.
    if (record.ready !== undefined) {
      this.setReady(record, false, 'ConnectionClosed', `connection closed: ${code} ${reason || describeCloseCode(code)}`);
    }
  }

  // ---- timers ---------------------------------------------------------------------------------------------

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const record of this.nodes.values()) {
      if (record.ready !== true) continue;
      const silentFor = now - record.lastHeartbeatAt;
      if (silentFor > this.options.nodeGracePeriodMs) {
        this.options.logger.warn('node missed its heartbeats', { node: record.name, silentForMs: silentFor });
        this.setReady(record, false, 'HeartbeatTimeout', `no heartbeat for ${silentFor} ms (grace period ${this.options.nodeGracePeriodMs} ms)`);
      }
    }
  }

  private pingSessions(): void {
    for (const record of this.nodes.values()) record.session?.pingOrCut();
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private recordFor(name: string): NodeRecord {
    let record = this.nodes.get(name);
    if (!record) {
      record = { name, session: undefined, hello: undefined, ready: undefined, lastHeartbeatAt: 0, upstream: new UpstreamSequencer() };
      this.nodes.set(name, record);
    }
    return record;
  }

  private isCurrent(record: NodeRecord, session: NodeSession): boolean {
    return this.state === 'running' && record.session === session && session.open;
  }

  private setReady(record: NodeRecord, ready: boolean, reason: NodeReadyReason, message: string): void {
    if (record.ready === ready) return;
    record.ready = ready;
    try {
      this.hooks.onNodeReady?.(record.name, ready, reason, message);
    } catch (err) {
      this.options.logger.error('onNodeReady hook threw', { node: record.name, ready, error: errorText(err) });
    }
  }

  private encodeDownstream(message: DownstreamMessage): string {
    const encoded = JSON.stringify(message);
    // The frame wrapper adds a few dozen bytes; keep the check on the whole frame.
    const frameBytes = Buffer.byteLength(encoded) + 40;
    if (frameBytes > this.options.maxFrameBytes) {
      throw new RangeError(`downstream message ${messageKey(message.header)} is ${frameBytes} bytes, over the ${this.options.maxFrameBytes}-byte frame limit`);
    }
    return encoded;
  }

  /** A bug in frame handling is logged and costs the node its connection (it reconnects), never the GM. */
  private guard(session: NodeSession, what: string, work: Promise<void>): void {
    work.catch((err: unknown) => {
      this.options.logger.error(`unexpected failure handling a ${what} frame; closing the connection`, { node: session.nodeName, error: errorText(err) });
      session.close(CloseCode.InternalError, `internal error handling ${what}`);
    });
  }

  private async drainUpstream(): Promise<void> {
    const idle = Promise.all([...this.nodes.values()].map((record) => record.upstream.idle()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.drainTimeoutMs);
    });
    const result = await Promise.race([idle.then(() => 'drained' as const), timeout]);
    clearTimeout(timer);
    if (result === 'timeout') this.options.logger.warn('upstream handlers still running at close; their messages will be resent by the LCs');
  }
}

/** Closes sessions with 1001 and cuts those that do not finish the closing handshake in time. */
async function closeSessions(sessions: NodeSession[], graceMs: number): Promise<void> {
  const open = sessions.filter((session) => session.open);
  for (const session of open) session.close(CloseCode.GoingAway, 'the GM is shutting down');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([Promise.all(open.map((session) => session.closed)), timeout]);
  clearTimeout(timer);
  for (const session of open) if (session.open) session.terminate();
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeObject(message: unknown): string | undefined {
  const header = (message as { header?: Record<string, unknown> } | undefined)?.header;
  if (!header || typeof header !== 'object') return undefined;
  return `${String(header.resourceKind)}/${String(header.namespace)}/${String(header.resourceName)}`;
}
