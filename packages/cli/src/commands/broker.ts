/**
 * The message broker of multi-edge inference, run by the control plane when asked (`sedna up --broker nats`), as
 * the original's users ran Kafka beside their cluster: Debian's nats-server with JetStream, its store under
 * `<data-dir>/broker` (streams survive a restart), restarted on the same port when it dies so workers keep the
 * address. The GM gives that address to the workers of kafkaSupport objects whose template names no broker.
 */
import { startNatsServer, type RunningNatsServer } from '@sedna/lib/multi_edge_inference';

export const BROKER_KINDS = ['nats', 'none'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

export function parseBrokerKind(value: string): BrokerKind {
  if (!(BROKER_KINDS as readonly string[]).includes(value)) throw new Error(`--broker must be one of ${BROKER_KINDS.join(', ')}; got ${JSON.stringify(value)}`);
  return value as BrokerKind;
}

export interface BrokerOptions {
  /** Its store directory. */
  dir: string;
  host: string;
  /** The address workers reach it by. */
  advertise: string;
  /** 0 for any free one. */
  port: number;
  log: (msg: string) => void;
}

export class BrokerProcess {
  private server: RunningNatsServer | undefined;
  private port: number;
  private stopping = false;
  private restarts = 0;

  constructor(private readonly options: BrokerOptions) {
    this.port = options.port;
  }

  /** Starts it; resolves with its nats:// URL once it listens. */
  async start(): Promise<string> {
    const server = await startNatsServer({ storeDir: this.options.dir, host: this.options.host, advertise: this.options.advertise, ...(this.port ? { port: this.port } : {}) });
    this.server = server;
    this.port = server.port;
    server.onExit((code, signal) => {
      if (this.stopping) return;
      const delay = Math.min(5000, 200 * 2 ** Math.min(this.restarts++, 5));
      this.options.log(`the broker (nats-server) exited (${signal ?? code}); restarting it on port ${this.port} in ${delay} ms`);
      setTimeout(() => void this.start().then(() => (this.restarts = 0)).catch((err: unknown) => this.options.log(String(err))), delay).unref();
    });
    this.options.log(`broker: nats-server with JetStream at ${server.url} (store ${this.options.dir})`);
    return server.url;
  }

  get pid(): number | undefined {
    return this.server?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.server?.stop();
  }
}
