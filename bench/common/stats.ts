/**
 * The statistics every benchmark reports the same way: medians and interquartile ranges over repeated rounds, and
 * comparisons that interleave both sides (A, B, A, B, ...) so that noise from other work on the machine hits both
 * alike. A figure is written into the JSON as `<name>_median` and `<name>_iqr`; a comparison also gets its ratio,
 * computed per round (each round's A over the same round's B) so the ratio's spread is a real spread.
 */

/** The q-quantile (0..1) of values, linearly interpolated between order statistics (NumPy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** Nearest-rank percentile for latency distributions (p in 0..1), as load tools report p50/p99. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!;
}

export interface Spread {
  median: number;
  q1: number;
  q3: number;
  iqr: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  const q1 = quantile(values, 0.25);
  const q3 = quantile(values, 0.75);
  return { median: median(values), q1, q3, iqr: q3 - q1, n: values.length };
}

/** `{<name>_median, <name>_iqr}` for the JSON line, rounded to `digits` decimals. */
export function figure(name: string, values: readonly number[], digits = 3): Record<string, number> {
  const s = spread(values);
  return { [`${name}_median`]: round(s.median, digits), [`${name}_iqr`]: round(s.iqr, digits) };
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export interface Interleaved {
  a: number[];
  b: number[];
  /** a[i] / b[i] of the same round. */
  ratio: number[];
}

/**
 * Runs `rounds` rounds of A then B (the order alternates every round, so neither side always runs first after a
 * pause), after one unrecorded warm-up of each. Each side returns the figure of one run.
 */
export async function interleave(
  rounds: number,
  a: () => Promise<number> | number,
  b: () => Promise<number> | number,
  onRound?: (round: number, a: number, b: number) => void,
): Promise<Interleaved> {
  if (rounds < 1) throw new Error(`interleave: rounds must be at least 1, got ${rounds}`);
  await a();
  await b();
  const out: Interleaved = { a: [], b: [], ratio: [] };
  for (let r = 0; r < rounds; r++) {
    let va: number;
    let vb: number;
    if (r % 2 === 0) {
      va = await a();
      vb = await b();
    } else {
      vb = await b();
      va = await a();
    }
    out.a.push(va);
    out.b.push(vb);
    out.ratio.push(va / vb);
    onRound?.(r + 1, va, vb);
  }
  return out;
}

/**
 * How a figure stands against its target, for the printed table: `met`, `missed`, or `spread crosses target` when
 * the median meets it but the quartile on the wrong side does not (or the reverse).
 */
export function againstTarget(s: Spread, target: { atLeast?: number; below?: number }): 'met' | 'missed' | 'spread crosses target' {
  const ok = (v: number): boolean => (target.atLeast === undefined || v >= target.atLeast) && (target.below === undefined || v < target.below);
  const worst = target.atLeast !== undefined ? s.q1 : s.q3;
  const best = target.atLeast !== undefined ? s.q3 : s.q1;
  if (ok(s.median) && ok(worst)) return 'met';
  if (!ok(s.median) && !ok(best)) return 'missed';
  return 'spread crosses target';
}

/** Peak resident memory of this process, sampled every `everyMs` while `work` runs (not once at idle). */
export async function peakRss<T>(work: () => Promise<T>, everyMs = 50): Promise<{ result: T; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakRssMb: round(peak / 2 ** 20, 1) };
  } finally {
    clearInterval(timer);
  }
}
