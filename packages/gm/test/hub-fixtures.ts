/**
 * Shared pieces of the hub integration tests: a hub with an in-memory GM behind it, LCs (GmClient with a
 * local object store), raw websocket clients for protocol-level checks, a recording logger, and waiting on
 * conditions with a deadline.
 */
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import {
  NODE_NAME_HEADER,
  WIRE_PROTOCOL_VERSION,
  messageKey,
  type ChannelLogger,
  type DownstreamMessage,
  type DownstreamOperation,
  type LogFields,
  type NodeHello,
  type UpstreamMessage,
} from '@sedna/api';
import { NodeHub, type NodeHubHooks, type NodeHubOptions, type NodeReadyReason, type UpstreamMeta } from '../src/hub/index.js';
import { GmClient, planResync, type GmClientOptions } from '../../lc/src/gmclient/index.js';
import { tempDir as kitTempDir } from '../../../test-kit/index.js';

export const TOKEN = 'hub-test-token';

import { waitFor } from '../../../test-kit/index.js';

export { waitFor };

/** Things to undo after a test, last in first out. */
export class Cleanup {
  private readonly steps: Array<() => unknown> = [];
  add(step: () => unknown): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step();
  }
}

export function tempDir(cleanup: Cleanup): string {
  const dir = kitTempDir('sedna-hub-');
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

export class MemoryLogger implements ChannelLogger {
  readonly entries: LogEntry[] = [];
  debug(message: string, fields?: LogFields): void {
    this.entries.push({ level: 'debug', message, fields });
  }
  info(message: string, fields?: LogFields): void {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: LogFields): void {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: LogFields): void {
    this.entries.push({ level: 'error', message, fields });
  }
  find(level: LogEntry['level'], text: string): LogEntry | undefined {
    return this.entries.find((entry) => entry.level === level && (entry.message + JSON.stringify(entry.fields ?? {})).includes(text));
  }
}

export function datasetMessage(name: string, operation: DownstreamOperation = 'insert', spec: Record<string, unknown> = {}): DownstreamMessage {
  return {
    header: { namespace: 'default', resourceKind: 'dataset', resourceName: name, operation },
    content: { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name, namespace: 'default' }, spec },
  };
}

export function statusMessage(name: string, numberOfSamples: number): UpstreamMessage {
  return {
    header: { namespace: 'default', resourceKind: 'dataset', resourceName: name, operation: 'status' },
    content: { numberOfSamples },
  };
}

export interface ReceivedUpstream {
  node: string;
  message: UpstreamMessage;
  meta: UpstreamMeta;
}

export interface ReadyEvent {
  node: string;
  ready: boolean;
  reason: NodeReadyReason;
}

/** A hub in front of an in-memory GM: per-node objects for resyncs, and what arrived upstream. */
export class HubWorld {
  readonly logger = new MemoryLogger();
  readonly objects = new Map<string, Map<string, DownstreamMessage>>();
  readonly upstream: ReceivedUpstream[] = [];
  readonly readiness: ReadyEvent[] = [];
  readonly hellos: NodeHello[] = [];
  readonly hub: NodeHub;

  constructor(options: Partial<NodeHubOptions> = {}, hooks: Partial<NodeHubHooks> = {}) {
    this.hub = new NodeHub(
      { host: '127.0.0.1', port: 0, token: TOKEN, logger: this.logger, ...options },
      {
        onNodeHello: (hello) => {
          this.hellos.push(hello);
        },
        onNodeReady: (node, ready, reason) => {
          this.readiness.push({ node, ready, reason });
        },
        onUpstream: async (node, message, meta) => {
          this.upstream.push({ node, message, meta });
        },
        resyncFor: async (node) => [...(this.objects.get(node)?.values() ?? [])],
        ...hooks,
      },
    );
  }

  static async start(cleanup: Cleanup, options: Partial<NodeHubOptions> = {}, hooks: Partial<NodeHubHooks> = {}): Promise<HubWorld> {
    const world = new HubWorld(options, hooks);
    await world.hub.start();
    cleanup.add(() => world.hub.close());
    return world;
  }

  get port(): number {
    return this.hub.address().port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  /** Records an object as held by `node` (for the next resync) and sends it. */
  put(node: string, message: DownstreamMessage): boolean {
    let objects = this.objects.get(node);
    if (!objects) this.objects.set(node, (objects = new Map()));
    objects.set(messageKey(message.header), message);
    return this.hub.send(node, message);
  }

  /** Forgets an object of `node` without telling it (it was deleted while the node was away). */
  forget(node: string, message: DownstreamMessage): void {
    this.objects.get(node)?.delete(messageKey(message.header));
  }

  lastReady(node: string): ReadyEvent | undefined {
    return this.readiness.filter((event) => event.node === node).at(-1);
  }
}

/** An LC: a GmClient applying what it receives to a local object store that outlives the client. */
export class LcWorld {
  readonly logger = new MemoryLogger();
  readonly received: DownstreamMessage[] = [];
  resyncs = 0;
  readonly client: GmClient;

  constructor(
    url: string,
    outboxPath: string,
    readonly store = new Map<string, DownstreamMessage>(),
    overrides: Partial<GmClientOptions> = {},
  ) {
    this.client = new GmClient(
      {
        url,
        token: TOKEN,
        nodeName: 'edge-1',
        version: '0.1.0-test',
        labels: { 'sedna.io/role': 'edge' },
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        outboxPath,
        heartbeatMs: 100,
        reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
        logger: this.logger,
        ...overrides,
      },
      {
        onMessage: (message) => {
          this.received.push(message);
          const key = messageKey(message.header);
          if (message.header.operation === 'delete') this.store.delete(key);
          else this.store.set(key, message);
        },
        onResync: (messages) => {
          this.resyncs++;
          const plan = planResync(this.store.keys(), messages);
          for (const key of plan.removals) this.store.delete(key);
          for (const message of plan.upserts) this.store.set(messageKey(message.header), message);
        },
      },
    );
  }

  static start(cleanup: Cleanup, url: string, outboxPath: string, store?: Map<string, DownstreamMessage>, overrides?: Partial<GmClientOptions>): LcWorld {
    const world = new LcWorld(url, outboxPath, store, overrides);
    world.client.start();
    cleanup.add(() => world.client.close());
    return world;
  }

  names(): string[] {
    return [...this.store.values()].map((message) => message.header.resourceName).sort();
  }
}

/** A bare websocket to the hub, for checks below the GmClient: raw frames in and out. */
export class RawClient {
  readonly frames: Array<Record<string, unknown>> = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on('error', () => {});
  }

  /** Opens a websocket; resolves once open, or rejects with the HTTP status of a refused upgrade. */
  static connect(
    cleanup: Cleanup,
    url: string,
    headers: Record<string, string> = { [NODE_NAME_HEADER]: 'edge-1', Authorization: `Bearer ${TOKEN}` },
    options: WebSocket.ClientOptions = {},
  ): Promise<RawClient> {
    const ws = new WebSocket(url, { headers, ...options });
    cleanup.add(() => ws.terminate());
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => reject(Object.assign(new Error(`HTTP ${response.statusCode}: ${body.trim()}`), { status: response.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  hello(name = 'edge-1', epoch = 'raw-epoch'): void {
    this.send({ type: 'hello', protocol: WIRE_PROTOCOL_VERSION, node: { name, version: 'raw' }, outboxEpoch: epoch });
  }

  async nextFrame(what: string, predicate: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return waitFor(what, () => this.frames.find(predicate));
  }

  framesOfType(type: string): Array<Record<string, unknown>> {
    return this.frames.filter((frame) => frame.type === type);
  }
}
