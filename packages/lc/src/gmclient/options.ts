/** Options and hooks of the GmClient, with their defaults and checks. */
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_UPSTREAM_WINDOW,
  MAX_FRAME_BYTES,
  NodeHelloSchema,
  consoleLogger,
  type ChannelLogger,
  type DownstreamMessage,
  type NodeAddress,
  type NodeCondition,
  type NodeHello,
} from '@sedna/api';
import type { BackoffOptions } from './backoff.js';
import { positiveInteger } from '@sedna/api/runtime';

export interface GmClientOptions {
  /**
   * The GM's channel: `ws://host:port/` or `wss://host:port/`; several for GM replicas (tried in turn; a
   * follower's redirect to the leader is followed).
   */
  url: string | string[];
  /** Shared secret, sent as `Authorization: Bearer <token>`. */
  token: string;
  nodeName: string;
  /** Node addresses for the GM's Node object. */
  addresses?: NodeAddress[];
  /** Node labels, e.g. the edge/cloud role. */
  labels?: Record<string, string>;
  /** The LC's software version. */
  version: string;
  /** Host facts for the Node's status (see nodeinfo/). */
  nodeInfo?: Record<string, string>;
  capacity?: Record<string, string>;
  /** The SQLite file of the upstream outbox; created with its folder if missing. */
  outboxPath: string;
  /** Heartbeat period; default 5 s. Keep it well under the GM's grace period (40 s by default). */
  heartbeatMs?: number;
  reconnect?: BackoffOptions;
  /** PEM CA certificate(s) to trust for wss:// besides the system ones (a self-signed GM). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Upstream messages sent before waiting for acknowledgements; default 64. */
  upstreamWindow?: number;
  /** Largest frame, in bytes, either way; default 16 MiB. */
  maxFrameBytes?: number;
  /** Time allowed for the upgrade plus the welcome frame; default 10 s. */
  connectTimeoutMs?: number;
  logger?: ChannelLogger;
  /** The node's pressure conditions (DiskPressure), sent with every heartbeat. */
  conditions?: () => NodeCondition[];
}

export interface GmClientHooks {
  /** A downstream message after the resync (insert and update are both an upsert). Calls are sequential. */
  onMessage(message: DownstreamMessage): void | Promise<void>;
  /**
   * The full state this node should hold, after every (re)connect. The LC upserts these objects and drops
   * local objects not among them (planResync computes both).
   */
  onResync(messages: DownstreamMessage[]): void | Promise<void>;
  /** Connected means welcomed by the GM; called on each change. */
  onConnectionChange?(connected: boolean): void;
  /** The GM acknowledged an upstream message queued by this process `seconds` ago (metrics). */
  onAcknowledged?(seconds: number): void;
}

export interface ResolvedClientOptions {
  /** The URL of the current attempt (the first of `urls` to begin with). */
  url: URL;
  urls: URL[];
  token: string;
  hello: NodeHello;
  outboxPath: string;
  heartbeatMs: number;
  reconnect: BackoffOptions;
  ca: string | Buffer | Array<string | Buffer> | undefined;
  upstreamWindow: number;
  maxFrameBytes: number;
  connectTimeoutMs: number;
  logger: ChannelLogger;
  conditions: (() => NodeCondition[]) | undefined;
}

export function resolveClientOptions(options: GmClientOptions): ResolvedClientOptions {
  const given = Array.isArray(options.url) ? options.url : [options.url];
  if (given.length === 0) throw new TypeError('GmClient option url must name at least one GM');
  const urls = given.map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new TypeError(`GmClient option url is not a URL: ${JSON.stringify(text)}`);
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`GmClient option url must be ws:// or wss://, got ${JSON.stringify(text)}`);
    return url;
  });
  const url = urls[0]!;
  if (typeof options.token !== 'string' || options.token.trim() === '') throw new TypeError('GmClient option token must be a non-empty string');
  if (typeof options.outboxPath !== 'string' || options.outboxPath === '') throw new TypeError('GmClient option outboxPath must be a file path');
  const { value: hello, errors } = NodeHelloSchema.parse({
    name: options.nodeName,
    addresses: options.addresses,
    labels: options.labels,
    version: options.version,
    ...(options.nodeInfo ? { nodeInfo: options.nodeInfo } : {}),
    ...(options.capacity ? { capacity: options.capacity } : {}),
  });
  if (!hello) {
    const detail = errors.map((e) => `${e.field === 'name' ? 'nodeName' : e.field}: ${e.message}`).join('; ');
    throw new TypeError(`GmClient hello fields are invalid: ${detail}`);
  }
  return {
    url,
    urls,
    token: options.token,
    hello,
    outboxPath: options.outboxPath,
    heartbeatMs: positiveInteger('GmClient', 'heartbeatMs', options.heartbeatMs, DEFAULT_HEARTBEAT_MS),
    reconnect: options.reconnect ?? {},
    ca: options.ca,
    upstreamWindow: positiveInteger('GmClient', 'upstreamWindow', options.upstreamWindow, DEFAULT_UPSTREAM_WINDOW),
    maxFrameBytes: positiveInteger('GmClient', 'maxFrameBytes', options.maxFrameBytes, MAX_FRAME_BYTES),
    connectTimeoutMs: positiveInteger('GmClient', 'connectTimeoutMs', options.connectTimeoutMs, 10_000),
    logger: options.logger ?? consoleLogger(`lc/gmclient ${options.nodeName}`),
    conditions: options.conditions,
  };
}
