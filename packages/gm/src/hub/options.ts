/** Options and hooks of the NodeHub, with their defaults and checks. */
import type { IncomingMessage, ServerResponse, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { positiveInteger } from '@sedna/api/runtime';
import {
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_NODE_GRACE_PERIOD_MS,
  DEFAULT_PING_INTERVAL_MS,
  MAX_FRAME_BYTES,
  consoleLogger,
  type ChannelLogger,
  type DownstreamMessage,
  type NodeCondition,
  type NodeHello,
  type UpstreamMessage,
} from '@sedna/api';
import type { Authenticator } from './auth.js';

export interface HubTlsOptions {
  /** PEM certificate chain and private key; the hub then serves wss://. */
  cert: string | Buffer;
  key: string | Buffer;
}

export interface NodeHubOptions {
  /** Listen address; default 0.0.0.0 (the original GM's websocket address). */
  host?: string;
  /** Listen port; 0 picks a free one (see address()). Default 9000 as in the original. */
  port?: number;
  /** Shared secret every LC must present as `Authorization: Bearer <token>` (unless `authenticate` is given). */
  token?: string;
  /** Checks each LC's token for its node (per-node credentials); replaces `token`. */
  authenticate?: Authenticator;
  /** Serve TLS with this certificate (ignored when `server` is given). */
  tls?: HubTlsOptions;
  /**
   * An existing HTTP(S) server to attach to instead of creating one; the hub handles its upgrade requests on
   * `path`, listens on it only if it is not listening yet, and never closes it.
   */
  server?: HttpServer | HttpsServer;
  /** Upgrade path; default '/'. */
  path?: string;
  /** Silence after which a node is NotReady; default 40 s. */
  nodeGracePeriodMs?: number;
  /** Websocket-level ping period; a peer that misses one is cut. Default 10 s. */
  pingIntervalMs?: number;
  /** Time allowed between the upgrade and the hello frame; default 10 s. */
  helloTimeoutMs?: number;
  /** Largest frame accepted, in bytes; default 16 MiB. */
  maxFrameBytes?: number;
  /** Upstream messages of one node waiting to be applied before the hub cuts it (1008); default 1024. */
  maxPendingUpstream?: number;
  /**
   * Upstream messages of all nodes held at once (arrived, not yet acknowledged) before the hub stops reading the
   * sockets that send more, until half are done (upstream-budget.ts); default 256.
   */
  maxUpstreamInFlight?: number;
  /** How long close() waits for upstream handlers in progress to finish and be acknowledged; default 5 s. */
  drainTimeoutMs?: number;
  logger?: ChannelLogger;
  /** Plain HTTP requests on the hub's own server (not upgrades): true when handled (the GM serves /metrics so). */
  onRequest?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** Why a node's readiness changed; mirrors a Node condition's reason. */
export type NodeReadyReason = 'NodeConnected' | 'HeartbeatResumed' | 'HeartbeatTimeout' | 'ConnectionClosed';

export interface UpstreamMeta {
  /** The LC's id of the message, increasing within one outbox epoch. */
  id: number;
  /** The LC's outbox identity; (epoch, id) is unique, for handlers that want to be idempotent across GM restarts. */
  outboxEpoch: string;
}

export interface NodeHubHooks {
  /** A node said hello (after authentication). Awaited before the welcome; a throw refuses the node (1011). */
  onNodeHello?(hello: NodeHello): void | Promise<void>;
  /** A heartbeat arrived from a connected node. */
  onNodeHeartbeat?(node: string): void;
  /** The node's readiness changed (called only on a change). */
  onNodeReady?(node: string, ready: boolean, reason: NodeReadyReason, message: string): void;
  /** The node's pressure conditions (DiskPressure) changed, as its heartbeat tells them. */
  onNodeConditions?(node: string, conditions: NodeCondition[]): void;
  /**
   * Applies and persists one upstream message. The hub acknowledges only after this resolves; a rejection is
   * answered with a negative ack carrying the error message, and the LC drops the message.
   */
  onUpstream(node: string, message: UpstreamMessage, meta: UpstreamMeta): Promise<void>;
  /** Everything the node should hold now; sent as a full resync after each hello. */
  resyncFor(node: string): Promise<DownstreamMessage[]>;
}

export interface ResolvedHubOptions {
  host: string;
  port: number;
  auth: string | Authenticator;
  tls: HubTlsOptions | undefined;
  server: HttpServer | HttpsServer | undefined;
  path: string;
  nodeGracePeriodMs: number;
  pingIntervalMs: number;
  helloTimeoutMs: number;
  maxFrameBytes: number;
  maxPendingUpstream: number;
  maxUpstreamInFlight: number;
  drainTimeoutMs: number;
  logger: ChannelLogger;
  onRequest: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
}

export function resolveHubOptions(options: NodeHubOptions): ResolvedHubOptions {
  if (options.authenticate === undefined && (typeof options.token !== 'string' || options.token.trim() === '')) {
    throw new TypeError('NodeHub option token must be a non-empty string (or give authenticate): local controllers authenticate with it');
  }
  const port = options.port ?? 9000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`NodeHub option port must be 0..65535, got ${String(options.port)}`);
  const path = options.path ?? '/';
  if (!path.startsWith('/')) throw new TypeError(`NodeHub option path must start with '/', got ${JSON.stringify(path)}`);
  return {
    host: options.host ?? '0.0.0.0',
    port,
    auth: options.authenticate ?? (options.token as string),
    tls: options.tls,
    server: options.server,
    path,
    nodeGracePeriodMs: positiveInteger('NodeHub', 'nodeGracePeriodMs', options.nodeGracePeriodMs, DEFAULT_NODE_GRACE_PERIOD_MS),
    pingIntervalMs: positiveInteger('NodeHub', 'pingIntervalMs', options.pingIntervalMs, DEFAULT_PING_INTERVAL_MS),
    helloTimeoutMs: positiveInteger('NodeHub', 'helloTimeoutMs', options.helloTimeoutMs, DEFAULT_HELLO_TIMEOUT_MS),
    maxFrameBytes: positiveInteger('NodeHub', 'maxFrameBytes', options.maxFrameBytes, MAX_FRAME_BYTES),
    maxPendingUpstream: positiveInteger('NodeHub', 'maxPendingUpstream', options.maxPendingUpstream, 1024),
    maxUpstreamInFlight: positiveInteger('NodeHub', 'maxUpstreamInFlight', options.maxUpstreamInFlight, 256),
    drainTimeoutMs: positiveInteger('NodeHub', 'drainTimeoutMs', options.drainTimeoutMs, 5_000),
    logger: options.logger ?? consoleLogger('gm/hub'),
    onRequest: options.onRequest,
  };
}
