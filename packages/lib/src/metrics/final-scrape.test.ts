import { describe, expect, it } from 'vitest';
import { ScrapeTracker } from './final-scrape.js';

describe('ScrapeTracker', () => {
  it('returns at once for a worker nobody scraped', async () => {
    expect(await new ScrapeTracker().awaitNext(60_000)).toBe('never scraped');
  });

  it('waits for a scrape that arrives after the figures are final, not one already under way', async () => {
    let now = 1_000;
    const tracker = new ScrapeTracker(() => now);
    tracker.completed(tracker.arrived());
    now = 2_000;
    const underWay = tracker.arrived(); // read before the last counters were set
    now = 2_500;
    let result: string | undefined;
    const waiting = tracker.awaitNext(60_000).then((r) => (result = r));
    tracker.completed(underWay);
    await Promise.resolve();
    expect(result).toBeUndefined();
    now = 3_000;
    tracker.completed(tracker.arrived());
    await waiting;
    expect(result).toBe('scraped');
  });

  it('bounds the wait by the rhythm of the scrapes seen', () => {
    let now = 0;
    const tracker = new ScrapeTracker(() => now);
    tracker.completed(tracker.arrived());
    expect(tracker.patienceMs(15_000)).toBe(15_000); // one scrape: no rhythm yet
    for (const t of [1_000, 2_000, 3_500]) {
      now = t;
      tracker.completed(tracker.arrived());
    }
    expect(tracker.patienceMs(15_000)).toBe(2 * 1_500 + 1_000);
    expect(tracker.patienceMs(2_000)).toBe(2_000);
  });

  it('gives up when no scrape comes', async () => {
    const tracker = new ScrapeTracker();
    tracker.completed(tracker.arrived());
    expect(await tracker.awaitNext(20)).toBe('timed out');
  });
});
