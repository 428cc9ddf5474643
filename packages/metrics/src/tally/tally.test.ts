import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../http.js';
import { parseExposition, type Exposition } from '../scrape/exposition.js';
import { TalliedCounter, TalliedHistogram } from './tally.js';

/** The value of the one sample of `name` whose labels include `labels`. */
function valueOf(exposition: Exposition, name: string, labels: Record<string, string>): number | undefined {
  return exposition.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVATIONS: [string, number][] = [
  ['patch', 0.0004],
  ['patch', 0.001],
  ['patch', 0.02],
  ['get', 3],
  ['patch', 0.5],
  ['get', 0.0001],
];

/** The same observations through prom-client's own metrics and through the tallied ones. */
function both(): { native: Registry; tallied: Registry; counter: TalliedCounter<'verb' | 'code'>; histogram: TalliedHistogram<'verb'> } {
  const native = new Registry();
  const nativeCounter = new Counter({ name: 'x_requests_total', help: 'requests', labelNames: ['verb', 'code'], registers: [native] });
  const nativeHistogram = new Histogram({ name: 'x_duration_seconds', help: 'duration', labelNames: ['verb'], buckets: BUCKETS, registers: [native] });
  const tallied = new Registry();
  const counter = new TalliedCounter({ name: 'x_requests_total', help: 'requests', labelNames: ['verb', 'code'], registers: [tallied] });
  const histogram = new TalliedHistogram({ name: 'x_duration_seconds', help: 'duration', labelNames: ['verb'], buckets: BUCKETS, registers: [tallied] });
  for (const [verb, seconds] of OBSERVATIONS) {
    nativeCounter.inc({ verb, code: '2xx' });
    nativeHistogram.observe({ verb }, seconds);
    counter.of({ verb, code: '2xx' }).inc();
    histogram.of({ verb }).observe(seconds);
  }
  return { native, tallied, counter, histogram };
}

describe('tallied counters and histograms', () => {
  it('expose the same samples as prom-client\'s own, in the text format and in OpenMetrics', async () => {
    const { native, tallied } = both();
    for (const openMetrics of [false, true]) {
      const expected = parseExposition((await renderMetrics(native, openMetrics)).body);
      const got = parseExposition((await renderMetrics(tallied, openMetrics)).body);
      const key = (s: { name: string; labels: Record<string, string> }): string => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
      const byKey = (samples: typeof got.samples) => new Map(samples.map((s) => [key(s), s.value]));
      expect(byKey(got.samples)).toEqual(byKey(expected.samples));
      expect(got.types).toEqual(expected.types);
    }
  });

  it('keep accumulating across scrapes, and a series handle made once keeps counting', async () => {
    const { tallied, counter, histogram } = both();
    const series = counter.of({ verb: 'patch', code: '2xx' });
    await renderMetrics(tallied, false);
    series.inc();
    series.inc(2);
    histogram.observe({ verb: 'patch' }, 0.05);
    const text = (await renderMetrics(tallied, false)).body;
    const parsed = parseExposition(text);
    expect(valueOf(parsed, 'x_requests_total', { verb: 'patch' })).toBe(4 + 3);
    expect(valueOf(parsed, 'x_duration_seconds_count', { verb: 'patch' })).toBe(5);
    expect(valueOf(parsed, 'x_duration_seconds_bucket', { verb: 'patch', le: '0.1' })).toBe(4);
  });

  it('leave out a series resolved ahead until it has an observation', async () => {
    const registry = new Registry();
    const histogram = new TalliedHistogram({ name: 'y_seconds', help: 'y', labelNames: ['result'], buckets: BUCKETS, registers: [registry] });
    histogram.of({ result: 'error' });
    histogram.of({ result: 'success' }).observe(0.002);
    const text = (await renderMetrics(registry, false)).body;
    expect(text).toContain('result="success"');
    expect(text).not.toContain('result="error"');
  });

  it('refuse a label that is not declared, a negative increment and a value that is not a number', () => {
    const { counter, histogram } = both();
    expect(() => counter.of({ verb: 'list', code: '2xx', pod: 'p' } as never)).toThrow(/label pod is not one of verb, code/);
    expect(() => counter.of({ verb: 'get', code: '2xx' }).inc(-1)).toThrow(/only goes up/);
    expect(() => histogram.of({ verb: 'get' }).observe(Number.NaN)).toThrow(/not a valid number/);
    expect(() => new TalliedHistogram({ name: 'z', help: 'z', labelNames: ['le'], buckets: BUCKETS, registers: [] })).toThrow(/le is the bucket label/);
  });
});
