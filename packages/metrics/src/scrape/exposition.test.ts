import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition, sumOf } from './exposition.js';

describe('parseExposition', () => {
  it('reads back what prom-client writes: types, labels with escapes, histograms', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'x_requests_total', help: 'h', labelNames: ['path'], registers: [registry] });
    c.inc({ path: 'a"b\\c\nd' }, 3);
    c.inc({ path: 'plain' }, 2);
    new Gauge({ name: 'x_depth', help: 'h', registers: [registry] }).set(-1.5e-3);
    new Histogram({ name: 'x_seconds', help: 'h', buckets: [1], registers: [registry] }).observe(0.5);
    const parsed = parseExposition(await registry.metrics());
    expect(parsed.types.get('x_requests_total')).toBe('counter');
    expect(parsed.types.get('x_seconds')).toBe('histogram');
    expect(parsed.samples.filter((s) => s.name === 'x_requests_total')).toEqual([
      { name: 'x_requests_total', labels: { path: 'a"b\\c\nd' }, value: 3 },
      { name: 'x_requests_total', labels: { path: 'plain' }, value: 2 },
    ]);
    expect(sumOf(parsed, 'x_requests_total')).toBe(5);
    expect(sumOf(parsed, 'x_depth')).toBe(-0.0015);
    expect(parsed.samples.find((s) => s.name === 'x_seconds_bucket' && s.labels['le'] === '+Inf')?.value).toBe(1);
    expect(sumOf(parsed, 'absent')).toBeUndefined();
  });

  it('takes NaN, infinities and timestamps, and names the line it cannot read', () => {
    const parsed = parseExposition('# HELP a b\na NaN\nb{} +Inf 1700000000000\nc -Inf\n');
    expect(parsed.samples.map((s) => s.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(() => parseExposition('ok 1\nbad{l="x} 2\n')).toThrow(ExpositionError);
    expect(() => parseExposition('ok 1\nbroken one\n')).toThrow(/line 2: no number for the value/);
  });
});
