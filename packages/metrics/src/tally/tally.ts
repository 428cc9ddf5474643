/**
 * Counters and histograms for the hot paths of the control plane (a series per API request, per reconcile, per
 * upstream report). prom-client's `inc`/`observe` validate and hash the label object on every call, and in the busy
 * API server that cost far more than a loop measuring them alone shows (see the README, "What the metrics cost").
 * Here the caller resolves a series once (a handle it keeps, or looks up by a key it already has) and a call adds
 * to plain numbers; the totals are handed to prom-client when a scrape collects them, so the exposition (text and
 * OpenMetrics) stays prom-client's. Values only ever accumulate: nothing is reset by a scrape, and every series
 * ever used stays (their labels are bounded by the caller, as every label here is).
 */
import { Counter, type LabelValues, type Metric, type Registry } from 'prom-client';

/** One value as prom-client's registry formats it (the shape its own histograms give). */
export interface TalliedValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** One labelled series of a tallied counter. */
export interface CounterSeries {
  inc(by?: number): void;
}

/** One labelled series of a tallied histogram. */
export interface HistogramSeries {
  observe(value: number): void;
}

type Labels<L extends string> = Partial<Record<L, string>>;

/** The labels of a series as given (a label not given is left out, as prom-client does). */
function present(labels: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) if (value !== undefined) out[name] = value;
  return out;
}

function keyOf<L extends string>(labelNames: readonly L[], labels: Labels<L>): string {
  let key = '';
  for (const name of labelNames) key += `${labels[name] ?? ''}\u0000`;
  return key;
}

function checkLabels<L extends string>(metric: string, labelNames: readonly L[], labels: Labels<L>): void {
  for (const name of Object.keys(labels)) {
    if (!(labelNames as readonly string[]).includes(name)) throw new Error(`${metric}: label ${name} is not one of ${labelNames.join(', ')}`);
  }
}

interface CounterEntry<L extends string> extends CounterSeries {
  labels: Labels<L>;
  pending: number;
}

/**
 * A prom-client Counter (`metric`, registered as usual) fed through series handles. A handle's `inc` adds to a
 * number; a scrape moves what accumulated into the Counter.
 */
export class TalliedCounter<L extends string> {
  readonly metric: Counter<L>;
  private readonly series = new Map<string, CounterEntry<L>>();
  private readonly labelNames: readonly L[];
  private readonly name: string;

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] }) {
    this.labelNames = config.labelNames;
    this.name = config.name;
    const entries = this.series;
    this.metric = new Counter<L>({
      ...config,
      collect() {
        for (const entry of entries.values()) {
          if (entry.pending === 0) continue;
          this.inc(entry.labels as LabelValues<L>, entry.pending);
          entry.pending = 0;
        }
      },
    });
  }

  /**
   * The series of `labels`, made (and its label names checked) on first use: resolve it once, or call per event
   * with a bounded set of labels.
   */
  of(labels: Labels<L>): CounterSeries {
    const key = keyOf(this.labelNames, labels);
    let entry = this.series.get(key);
    if (!entry) {
      checkLabels(this.name, this.labelNames, labels);
      const made: CounterEntry<L> = {
        labels: { ...labels },
        pending: 0,
        inc(by = 1) {
          if (!(by >= 0)) throw new Error(`a counter only goes up: inc(${by})`);
          made.pending += by;
        },
      };
      entry = made;
      this.series.set(key, entry);
    }
    return entry;
  }

  /** The same as `of(labels).inc(by)`. */
  inc(labels: Labels<L>, by = 1): void {
    this.of(labels).inc(by);
  }
}

interface HistogramEntry extends HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram with prom-client's exposition (a metric in the registry whose values are built at scrape time)
 * fed through series handles: an observation is a bucket search over a few bounds and three additions.
 */
export class TalliedHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly L[];
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, HistogramEntry>();

  constructor(config: { name: string; help: string; labelNames: readonly L[]; buckets: readonly number[]; registers: Registry[] }) {
    if (config.labelNames.includes('le' as L)) throw new Error(`${config.name}: le is the bucket label, not a label name of its own`);
    const bounds = [...config.buckets].sort((a, b) => a - b);
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b === bounds[i - 1]))) throw new Error(`${config.name}: buckets must be distinct finite numbers`);
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.bounds = bounds;
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of `labels`, made on first use. */
  of(labels: Labels<L>): HistogramSeries {
    const key = keyOf(this.labelNames, labels);
    let entry = this.series.get(key);
    if (!entry) {
      checkLabels(this.name, this.labelNames, labels);
      const bounds = this.bounds;
      const made: HistogramEntry = {
        labels: present(labels),
        counts: new Float64Array(bounds.length + 1),
        sum: 0,
        count: 0,
        observe(value) {
          if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
          let i = 0;
          while (i < bounds.length && value > bounds[i]!) i++;
          made.counts[i]!++;
          made.sum += value;
          made.count++;
        },
      };
      entry = made;
      this.series.set(key, entry);
    }
    return entry;
  }

  /** The same as `of(labels).observe(value)`. */
  observe(labels: Labels<L>, value: number): void {
    this.of(labels).observe(value);
  }

  /** What the registry formats: prom-client's shape of a histogram's values (cumulative buckets, +Inf, sum, count). */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: TalliedValue[] }> {
    const values: TalliedValue[] = [];
    for (const entry of this.series.values()) {
      // A series resolved ahead (a controller's error series) appears once it has an observation, as prom-client's do.
      if (entry.count === 0) continue;
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += entry.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...entry.labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...entry.labels, le: '+Inf' }, value: entry.count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...entry.labels }, value: entry.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...entry.labels }, value: entry.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** For `registry.resetMetrics()`: forgets every series. */
  reset(): void {
    this.series.clear();
  }
}
