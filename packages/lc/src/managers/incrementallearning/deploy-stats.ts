/**
 * The stats the deploy trigger sees, from the eval results `[new model, old model]`: each metric `m` of the new
 * model, and `m_delta` = new minus old (element by element for lists, as the original; numbers too). The
 * original required `map[string][]float64`; here a metric may be a number or a list of numbers (numeric strings
 * count), as the lib reports them.
 */
import { toNumber } from '../../trigger/index.js';

export interface DeployStats {
  stats: Record<string, number | number[]>;
  /** Metrics left out, and why (not numbers, lists of different lengths, missing in the old model's result). */
  skipped: string[];
}

type MetricValue = number | number[];

function metricValue(raw: unknown): MetricValue | undefined {
  if (Array.isArray(raw)) {
    const values = raw.map(toNumber);
    return values.every((v): v is number => v !== undefined) ? values : undefined;
  }
  return toNumber(raw);
}

export function deployStats(newMetrics: Readonly<Record<string, unknown>>, oldMetrics: Readonly<Record<string, unknown>>): DeployStats {
  const stats: Record<string, MetricValue> = {};
  const skipped: string[] = [];
  for (const [name, raw] of Object.entries(newMetrics)) {
    const value = metricValue(raw);
    if (value === undefined) {
      skipped.push(`${name}: the new model's value ${JSON.stringify(raw)} is not a number or a list of numbers`);
      continue;
    }
    stats[name] = value;
    if (!Object.prototype.hasOwnProperty.call(oldMetrics, name)) {
      skipped.push(`${name}_delta: the old model has no ${name}`);
      continue;
    }
    const old = metricValue(oldMetrics[name]);
    if (old === undefined) {
      skipped.push(`${name}_delta: the old model's value ${JSON.stringify(oldMetrics[name])} is not a number or a list of numbers`);
    } else if (typeof value === 'number' && typeof old === 'number') {
      stats[`${name}_delta`] = value - old;
    } else {
      const a = typeof value === 'number' ? [value] : value;
      const b = typeof old === 'number' ? [old] : old;
      if (a.length !== b.length) skipped.push(`${name}_delta: the new model has ${a.length} values, the old one ${b.length}`);
      else stats[`${name}_delta`] = a.map((v, i) => v - (b[i] as number));
    }
  }
  return { stats, skipped };
}
