/**
 * The measuring side's Prometheus in the metrics cost benchmark: a scrape every `intervalMs`, on a clock that runs
 * only while that side serves a burst. A scraper on the wall clock (as the benchmark had) scraped whichever side was
 * busy at the time: its scrapes landed in the other side's bursts as often as in its own, where they took CPU from
 * the side without metrics on the shared cores and never counted for the side that pays for them. On the burst
 * clock every scrape lands in a burst of the side it belongs to, at the interval's share of that side's time.
 */
export class BurstScraper {
  /** Burst time since the last scrape, ms (up to the last pause). */
  private elapsed = 0;
  private resumedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  /** Scrapes started so far. */
  scrapes = 0;

  constructor(
    private readonly scrape: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    if (!(intervalMs > 0)) throw new Error(`the scrape interval must be positive, got ${intervalMs} ms`);
  }

  /** A burst starts: the clock runs. */
  resume(): void {
    if (this.resumedAt !== undefined) return;
    this.resumedAt = performance.now();
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.intervalMs - this.elapsed));
  }

  /** The burst ended: the clock stops; resolves once a scrape still running has finished. */
  async pause(): Promise<void> {
    if (this.resumedAt !== undefined) {
      clearTimeout(this.timer);
      this.elapsed += performance.now() - this.resumedAt;
      this.resumedAt = undefined;
    }
    await this.inFlight;
  }

  private fire(): void {
    this.scrapes++;
    this.elapsed = 0;
    this.resumedAt = performance.now();
    this.inFlight = this.scrape().catch(this.onError);
    this.timer = setTimeout(() => this.fire(), this.intervalMs);
  }
}
