/**
 * Delays between reconnect attempts: quick first retries (a GM restart is usually over in a second), growing
 * to a cap of a few seconds so a long outage costs little, with jitter so a fleet of LCs does not reconnect
 * in lockstep.
 */
export interface BackoffOptions {
  /** First delay; default 100 ms. */
  initialDelayMs?: number;
  /** Largest delay; default 5 s. */
  maxDelayMs?: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** Spread as a fraction of the delay (0.2 gives ±20 %); default 0.2. */
  jitter?: number;
}

export class ReconnectBackoff {
  private attempt = 0;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly factor: number;
  private readonly jitter: number;

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialDelayMs = options.initialDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 0.2;
    if (!(this.initialDelayMs > 0)) throw new RangeError(`reconnect.initialDelayMs must be positive, got ${this.initialDelayMs}`);
    if (!(this.maxDelayMs >= this.initialDelayMs)) throw new RangeError(`reconnect.maxDelayMs must be at least initialDelayMs, got ${this.maxDelayMs}`);
    if (!(this.factor >= 1)) throw new RangeError(`reconnect.factor must be at least 1, got ${this.factor}`);
    if (!(this.jitter >= 0 && this.jitter < 1)) throw new RangeError(`reconnect.jitter must be in [0, 1), got ${this.jitter}`);
  }

  /** The delay before the next attempt. */
  next(): number {
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * this.factor ** this.attempt);
    this.attempt++;
    const spread = base * this.jitter * (2 * this.random() - 1);
    return Math.max(0, Math.round(Math.min(this.maxDelayMs, base + spread)));
  }

  /** Back to quick retries, after a connection succeeded. */
  reset(): void {
    this.attempt = 0;
  }
}
