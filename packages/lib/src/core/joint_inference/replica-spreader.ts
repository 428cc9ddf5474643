/**
 * The edge's client of an autoscaled big model service: the cloud worker runs as several replicas, each on its own
 * address (BIG_MODEL_ENDPOINTS, `host:port,...`, every replica the service may have), and no proxy spreads the
 * connections in embedded mode, so the edge does. Each call goes to the replica with the fewest calls in flight
 * (ties in turn). A replica that refuses the connection is not running (scaled down, or not started yet): the call
 * moves on to the next one at once (a refused connection never reached a server, so nothing runs twice) and the
 * replica is left alone for a while (1 s, doubling to 10 s while it keeps refusing). Any other failure is the
 * call's answer, as with one replica.
 */
import type { Tensor } from '../estimator.js';
import { BigModelClient, CloudInferenceError, type BigModelClientOptions, type CloudPredictor, type PredictOptions } from './big-model-client.js';

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;

interface Replica {
  client: CloudPredictor;
  inFlight: number;
  /** Not tried before this time (ms), after a refusal. */
  downUntil: number;
  backoffMs: number;
}

/** `host:port,host:port` (BIG_MODEL_ENDPOINTS); an entry that is not host:port is an error naming it. */
export function parseEndpoints(text: string): { host: string; port: number }[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(entry);
      const port = Number(m?.[2]);
      if (!m || port < 1 || port > 65535) throw new Error(`BIG_MODEL_ENDPOINTS: ${JSON.stringify(entry)} is not host:port`);
      return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
    });
}

export class ReplicaSpreader implements CloudPredictor {
  readonly endpoint: string;
  private readonly replicas: Replica[];
  private turn = 0;

  constructor(
    clients: readonly CloudPredictor[],
    private readonly now: () => number = Date.now,
  ) {
    if (clients.length === 0) throw new Error('the big model service needs at least one replica');
    this.replicas = clients.map((client) => ({ client, inFlight: 0, downUntil: 0, backoffMs: FIRST_BACKOFF_MS }));
    this.endpoint = clients.map((c) => c.endpoint).join(', ');
  }

  /** A BigModelClient per endpoint, each with the same options. */
  static forEndpoints(endpoints: readonly { host: string; port: number }[], options: Omit<BigModelClientOptions, 'host' | 'port'>): ReplicaSpreader {
    return new ReplicaSpreader(endpoints.map((e) => new BigModelClient({ ...options, host: e.host, port: e.port })));
  }

  /** Calls in flight per replica, in endpoint order (for tests and logs). */
  get load(): number[] {
    return this.replicas.map((r) => r.inFlight);
  }

  async predict(batch: Tensor, options?: PredictOptions): Promise<Tensor> {
    let lastRefusal: CloudInferenceError | undefined;
    for (const replica of this.order()) {
      replica.inFlight++;
      try {
        const result = await replica.client.predict(batch, options);
        replica.backoffMs = FIRST_BACKOFF_MS;
        replica.downUntil = 0;
        return result;
      } catch (error) {
        if (!(error instanceof CloudInferenceError) || error.kind !== 'refused') throw error;
        lastRefusal = error;
        replica.downUntil = this.now() + replica.backoffMs;
        replica.backoffMs = Math.min(MAX_BACKOFF_MS, replica.backoffMs * 2);
      } finally {
        replica.inFlight--;
      }
    }
    throw lastRefusal ?? new CloudInferenceError('refused', `no replica of the big model service accepts connections (${this.endpoint})`);
  }

  close(): void {
    for (const r of this.replicas) r.client.close?.();
  }

  /**
   * The replicas to try, best first: those not resting after a refusal, fewest calls in flight first, ties from a
   * turn that moves on every call; then the resting ones (soonest back first), so a call still finds a replica that
   * came back before its rest ended.
   */
  private order(): Replica[] {
    const start = this.turn++ % this.replicas.length;
    const rotated = [...this.replicas.slice(start), ...this.replicas.slice(0, start)];
    const t = this.now();
    const ready = rotated.filter((r) => r.downUntil <= t).sort((a, b) => a.inFlight - b.inFlight);
    const resting = rotated.filter((r) => r.downUntil > t).sort((a, b) => a.downUntil - b.downUntil);
    return [...ready, ...resting];
  }
}
