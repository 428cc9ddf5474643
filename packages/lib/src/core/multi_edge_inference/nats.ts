/**
 * NATS JetStream in place of the original's Kafka. One stream per service holds its topics as subjects:
 *
 *   sedna.<namespace>.<service>.<in-topic>               what callers send (object_detection, reid, ...)
 *   sedna.<namespace>.<service>.<out-topic>.<camera>      the results, one subject per camera
 *
 * The service's workers share one durable consumer on the in-topic (the consumer group: each message to one
 * replica, acknowledged explicitly, redelivered if a replica dies first); each camera's worker has its own durable
 * consumer on its results subject, so a result returns to the camera that sent the frame. Connecting is retried a
 * bounded number of times and then fails with the broker's address in the error.
 */
import { AckPolicy, connect, DeliverPolicy, RetentionPolicy, type ConsumerMessages, type JetStreamClient, type NatsConnection } from 'nats';
import type { BrokerConfig } from './broker.js';
import type { ClientTransport, MessageHandler, ServerTransport, TransportStats } from './transport.js';
import { newStats } from './transport.js';
import { decodeMessage, encodeMessage, type DetTrackMessage } from './wire.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface NatsOptions {
  broker: BrokerConfig;
  namespace: string;
  /** The service the stream belongs to (the FE service's name, the ReID job's name). */
  service: string;
  inTopic: string;
  outTopic: string;
  /** Connection attempts before giving up (default 10, 500 ms apart). */
  connectAttempts?: number;
  log?: (msg: string) => void;
}

/** A subject token: letters, digits, - and _ only. */
export function subjectToken(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

function names(o: NatsOptions): { stream: string; prefix: string } {
  const ns = subjectToken(o.namespace);
  const svc = subjectToken(o.service);
  return { stream: `SEDNA_${ns}_${svc}`, prefix: `sedna.${ns}.${svc}` };
}

export async function connectBroker(broker: BrokerConfig, attempts = 10, log: (msg: string) => void = () => undefined): Promise<NatsConnection> {
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    try {
      return await connect({ servers: broker.servers, maxReconnectAttempts: 20, reconnectTimeWait: 500, timeout: 2000, name: process.env[WORKER_ENV.WORKER_NAME] ?? 'sedna-worker' });
    } catch (err) {
      last = err;
      log(`broker ${broker.servers.join(', ')} unreachable (attempt ${i} of ${attempts}): ${(err as Error).message}`);
      if (i < attempts) await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`cannot reach the broker at ${broker.servers.join(', ')} after ${attempts} attempts: ${(last as Error)?.message}`, { cause: last });
}

async function ensureStream(nc: NatsConnection, o: NatsOptions): Promise<{ js: JetStreamClient; stream: string; prefix: string }> {
  const { stream, prefix } = names(o);
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(stream);
  } catch {
    // Bounded: old messages age out rather than filling the disk when nobody consumes.
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], retention: RetentionPolicy.Limits, max_age: 10 * 60 * 1e9, max_bytes: 512 * 1024 * 1024 }).catch(async (err: unknown) => {
      // Another worker made it meanwhile.
      await jsm.streams.info(stream).catch(() => Promise.reject(err));
    });
  }
  return { js: nc.jetstream(), stream, prefix };
}

async function durableConsumer(nc: NatsConnection, stream: string, durable: string, subject: string) {
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: subject, deliver_policy: DeliverPolicy.All, ack_wait: 30 * 1e9, max_ack_pending: 1000 }).catch(async (err: unknown) => {
    await jsm.consumers.info(stream, durable).catch(() => Promise.reject(err));
  });
  return nc.jetstream().consumers.get(stream, durable);
}

/** The service side: one durable consumer (the group) on the in-topic; results published to the sender's camera. */
export class NatsServer implements ServerTransport {
  readonly kind = 'nats' as const;
  readonly stats: TransportStats = newStats();
  private nc: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly options: NatsOptions,
    private readonly handler: MessageHandler,
  ) {}

  async start(): Promise<void> {
    const o = this.options;
    const log = o.log ?? (() => undefined);
    this.nc = await connectBroker(o.broker, o.connectAttempts, log);
    const { js, stream, prefix } = await ensureStream(this.nc, o);
    const consumer = await durableConsumer(this.nc, stream, subjectToken(`${o.service}-${o.inTopic}`), `${prefix}.${o.inTopic}`);
    this.messages = await consumer.consume({ max_messages: 64 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const m of messages) {
        this.stats.received++;
        let message: DetTrackMessage;
        try {
          message = decodeMessage(m.data);
        } catch (err) {
          this.stats.rejected++;
          this.stats.lastRejection = (err as Error).message;
          log(`rejected a malformed message on ${m.subject}: ${(err as Error).message}`);
          m.term(); // never redelivered
          continue;
        }
        try {
          const result = await this.handler(message);
          if (result) await js.publish(`${prefix}.${o.outTopic}.${subjectToken(message.header.camera)}`, encodeMessage(result));
          this.stats.answered++;
          m.ack();
        } catch (err) {
          this.stats.failed++;
          log(`handling a message from camera ${message.header.camera} failed: ${(err as Error).message}`);
          m.term();
        }
      }
    })();
  }

  async close(): Promise<void> {
    this.messages?.stop();
    await this.loop?.catch(() => undefined);
    await this.nc?.drain().catch(() => undefined);
  }
}

/** The camera side: publishes to the in-topic and consumes its own results subject. */
export class NatsClient implements ClientTransport {
  readonly kind = 'nats' as const;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private prefix = '';
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  readonly stats: TransportStats = newStats();

  constructor(
    private readonly options: NatsOptions & { camera: string; publishTimeoutMs?: number },
    private readonly onResult: ((message: DetTrackMessage) => void) | undefined,
  ) {}

  async start(): Promise<void> {
    const o = this.options;
    const log = o.log ?? (() => undefined);
    this.nc = await connectBroker(o.broker, o.connectAttempts, log);
    const { js, stream, prefix } = await ensureStream(this.nc, o);
    this.js = js;
    this.prefix = prefix;
    if (!this.onResult) return;
    const camera = subjectToken(o.camera);
    const consumer = await durableConsumer(this.nc, stream, subjectToken(`${o.service}-${o.outTopic}-${camera}`), `${prefix}.${o.outTopic}.${camera}`);
    this.messages = await consumer.consume({ max_messages: 64 });
    const messages = this.messages;
    const onResult = this.onResult;
    this.loop = (async () => {
      for await (const m of messages) {
        this.stats.received++;
        try {
          onResult(decodeMessage(m.data));
          this.stats.answered++;
        } catch (err) {
          this.stats.rejected++;
          this.stats.lastRejection = (err as Error).message;
          log(`rejected a malformed result: ${(err as Error).message}`);
        }
        m.ack();
      }
    })();
  }

  async send(message: DetTrackMessage): Promise<void> {
    if (!this.js) throw new Error('NatsClient.send before start()');
    await this.js.publish(`${this.prefix}.${this.options.inTopic}`, encodeMessage(message), { timeout: this.options.publishTimeoutMs ?? 5000 });
  }

  async close(): Promise<void> {
    this.messages?.stop();
    await this.loop?.catch(() => undefined);
    await this.nc?.drain().catch(() => undefined);
  }
}
