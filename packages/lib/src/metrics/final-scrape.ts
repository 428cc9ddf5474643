/**
 * A worker that ends (a camera whose video ended, a job's last round) takes its /metrics with it: the counters it
 * set after the last scrape would never reach Prometheus. `ScrapeTracker` follows the scrapes a worker serves, and
 * `awaitFinalScrape` lets the worker, once its figures are final, wait for one more scrape, so the last values are
 * stored. The wait costs nothing when nobody scrapes (a worker never scraped returns at once) and is bounded by the
 * scraper's own rhythm as seen so far: twice the longest gap between recent scrapes plus a second, at most `maxMs`.
 */

export type FinalScrape = 'scraped' | 'never scraped' | 'timed out';

const RECENT = 5;

export class ScrapeTracker {
  /** Arrival times of the last few scrapes that completed. */
  private readonly recent: number[] = [];
  private readonly waiters = new Set<{ since: number; done: () => void }>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** The arrival time of a scrape that is starting, to pass to `completed` when its answer is sent. */
  arrived(): number {
    return this.clock();
  }

  /** A scrape that arrived at `arrivedAt` has been answered. */
  completed(arrivedAt: number): void {
    this.recent.push(arrivedAt);
    if (this.recent.length > RECENT) this.recent.shift();
    for (const waiter of this.waiters) if (arrivedAt >= waiter.since) waiter.done();
  }

  /** Scrapes answered so far (up to the few remembered). */
  get seen(): number {
    return this.recent.length;
  }

  /** How long to wait for the next scrape: from the gaps seen, or `maxMs` when one scrape gives no rhythm yet. */
  patienceMs(maxMs: number): number {
    let gap = 0;
    for (let i = 1; i < this.recent.length; i++) gap = Math.max(gap, this.recent[i]! - this.recent[i - 1]!);
    return this.recent.length < 2 ? maxMs : Math.min(maxMs, 2 * gap + 1000);
  }

  /** Resolves when a scrape that arrived after this call has been answered, at once when none was ever served. */
  awaitNext(maxMs = 15_000): Promise<FinalScrape> {
    if (this.recent.length === 0) return Promise.resolve('never scraped');
    const since = this.clock();
    return new Promise((resolve) => {
      const waiter = {
        since,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve('scraped');
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve('timed out');
      }, this.patienceMs(maxMs));
      this.waiters.add(waiter);
    });
  }
}
