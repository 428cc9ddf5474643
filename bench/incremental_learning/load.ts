/**
 * A steady request load against the inference worker's `POST /predict` (examples/incremental_learning/fashion_mnist/
 * inference.ts, INFERENCE_PORT): open loop, a fixed number of requests per second whatever the answers do, so a
 * stall during the model swap shows as requests piling up or failing instead of being hidden by a client that waits.
 * Every request is one held-out site image with its true class; each outcome is kept with its times (epoch ms, the
 * clock the other observations of the bench use).
 */
import http from 'node:http';

export interface RequestOutcome {
  /** Epoch ms the request was sent. */
  sentAt: number;
  /** Epoch ms the answer (or the failure) came. */
  doneAt: number;
  /** Answered 200 with a class. */
  ok: boolean;
  /** What went wrong when not ok: an HTTP status, a socket error, `timeout`, or `not answered` at the end. */
  error?: string;
  modelVersion?: string;
  correct?: boolean;
}

export interface LoadOptions {
  port: number;
  host?: string;
  /** Requests per second. */
  rate: number;
  /** Raw 784-byte images and their classes, sent in turn. */
  images: readonly Uint8Array[];
  labels: ArrayLike<number>;
  /** A request without an answer after this long is lost. */
  timeoutMs?: number;
}

export class LoadGenerator {
  readonly outcomes: RequestOutcome[] = [];
  /**
   * Pauses of this process's own event loop longer than 10 ms (when each ended, and how long): requests are sent
   * and answers read here, so a pause here would show as a slow answer that the worker is not to blame for.
   */
  readonly pauses: { at: number; ms: number }[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  /** Requests in flight, each with how to give it up. */
  private readonly pending = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private sent = 0;
  private next = 0;

  constructor(private readonly options: LoadOptions) {
    if (options.images.length === 0) throw new Error('the load needs at least one image');
  }

  start(): void {
    this.started = Date.now();
    let last = this.started;
    // The schedule is by elapsed time, not by ticks: a late tick sends what is due, so the rate holds on a busy machine.
    this.timer = setInterval(() => {
      const now = Date.now();
      if (now - last > 10) this.pauses.push({ at: now, ms: now - last });
      last = now;
      const due = Math.floor(((Date.now() - this.started) * this.options.rate) / 1000) - this.sent;
      for (let k = 0; k < due; k++) this.send();
    }, 2);
  }

  /** Stops sending, waits up to the timeout for the requests in flight, and counts the rest as not answered. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + (this.options.timeoutMs ?? 5000);
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const giveUp of [...this.pending]) giveUp();
    this.agent.destroy();
  }

  private send(): void {
    const index = this.next++ % this.options.images.length;
    this.sent++;
    const body = this.options.images[index] as Uint8Array;
    const label = this.options.labels[index] as number;
    const sentAt = Date.now();
    let settled = false;
    const finish = (outcome: Omit<RequestOutcome, 'sentAt' | 'doneAt'>): void => {
      if (settled) return;
      settled = true;
      this.pending.delete(giveUp);
      this.outcomes.push({ sentAt, doneAt: Date.now(), ...outcome });
    };
    const req = http.request(
      { host: this.options.host ?? '127.0.0.1', port: this.options.port, method: 'POST', path: '/predict', agent: this.agent, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish({ ok: false, error: error.message }));
        res.on('end', () => {
          if (res.statusCode !== 200) return finish({ ok: false, error: `HTTP ${res.statusCode}` });
          try {
            const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { classes: number[]; modelVersion: string };
            finish({ ok: true, modelVersion: answer.modelVersion, correct: answer.classes[0] === label });
          } catch (error) {
            finish({ ok: false, error: `unreadable answer: ${(error as Error).message}` });
          }
        });
      },
    );
    const giveUp = (): void => {
      finish({ ok: false, error: 'not answered' });
      req.destroy();
    };
    this.pending.add(giveUp);
    req.setTimeout(this.options.timeoutMs ?? 5000, () => {
      finish({ ok: false, error: 'timeout' });
      req.destroy();
    });
    req.on('error', (error) => finish({ ok: false, error: error.message }));
    req.end(body);
  }
}

/** One probe request: resolves with the answer's model version, rejects when the worker does not answer 200. */
export function probe(port: number, image: Uint8Array, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method: 'POST', path: '/predict', headers: { 'Content-Length': image.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { modelVersion: string }).modelVersion);
      });
    });
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(image);
  });
}
