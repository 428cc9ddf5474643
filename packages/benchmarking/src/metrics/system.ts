/**
 * Ianvs's system metrics (core/testcasecontroller/metrics/metrics.py), computed from what the paradigm measured.
 * Names are looked up case-insensitively as Ianvs does (`BWT` -> bwt_func).
 */
import type { MetricValue } from '../cases/spec.js';
import type { SystemMetricInfo } from '../paradigms/types.js';

type SystemMetric = (info: SystemMetricInfo) => MetricValue;

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

function need<T>(value: T | undefined, metric: string, what: string): T {
  if (value === undefined) throw new Error(`system metric "${metric}" needs ${what}, which this paradigm does not produce`);
  return value;
}

/** round(Σ transferred / (Σ inferred + 1), 4): Ianvs's formula, its +1 included, so figures compare. */
function samplesTransferRatio(info: SystemMetricInfo): number {
  const passes = need(info.samples_transfer_ratio, 'samples_transfer_ratio', 'counts of inferred and hard samples');
  const inferred = passes.reduce((s, [n]) => s + n, 0);
  const sent = passes.reduce((s, [, h]) => s + h, 0);
  return round(sent / (inferred + 1), 4);
}

/**
 * Ianvs's compute(): the matrix has L rows (row 0 before any training, row r after round r) of L-1 task columns;
 * any other shape gives NaN as in Ianvs. BWT = Σ_{i,j<L-1} (m[i+1][j] - m[i][j]) / (L-1)²; FWT =
 * Σ_{i<L-1} (m[i][i] - m[0][i]) / (L-1), Ianvs's definitions kept as they are so figures compare.
 */
function wellShaped(matrix: number[][]): boolean {
  return matrix.length >= 2 && matrix.every((row) => row.length === matrix.length - 1);
}

export function bwt(matrix: number[][]): number {
  if (!wellShaped(matrix)) return Number.NaN;
  const n = matrix.length - 1;
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum += (matrix[i + 1]?.[j] as number) - (matrix[i]?.[j] as number);
  return sum / (n * n);
}

export function fwt(matrix: number[][]): number {
  if (!wellShaped(matrix)) return Number.NaN;
  const n = matrix.length - 1;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (matrix[i]?.[i] as number) - (matrix[0]?.[i] as number);
  return sum / n;
}

const SYSTEM: Record<string, SystemMetric> = {
  samples_transfer_ratio: samplesTransferRatio,
  bwt: (info) => round(bwt(need(info.Matrix, 'BWT', 'the accuracy matrix')), 4),
  fwt: (info) => round(fwt(need(info.Matrix, 'FWT', 'the accuracy matrix')), 4),
  matrix: (info) => ({ accuracy: need(info.Matrix, 'Matrix', 'the accuracy matrix') }),
  task_avg_acc: (info) => {
    const m = need(info.Matrix, 'task_avg_acc', 'the accuracy matrix');
    const last = m[m.length - 1] ?? [];
    return round(last.reduce((s, v) => s + v, 0) / Math.max(1, last.length), 3);
  },
  bytes_sent: (info) => Object.values(need(info.bytes_per_link, 'bytes_sent', 'a simulation')).reduce((s, v) => s + v, 0),
  latency_p50_ms: (info) => round(percentile(need(info.latencies_ms, 'latency_p50_ms', 'a simulation'), 50), 3),
  latency_p95_ms: (info) => round(percentile(need(info.latencies_ms, 'latency_p95_ms', 'a simulation'), 95), 3),
  latency_p99_ms: (info) => round(percentile(need(info.latencies_ms, 'latency_p99_ms', 'a simulation'), 99), 3),
};

export function isSystemMetric(name: string): boolean {
  return name.toLowerCase() in SYSTEM;
}

export const SYSTEM_METRIC_NAMES = Object.keys(SYSTEM);

export function systemMetric(name: string, info: SystemMetricInfo): MetricValue {
  const fn = SYSTEM[name.toLowerCase()];
  if (!fn) throw new Error(`metric "${name}" has no url and is not a system metric (system metrics: ${SYSTEM_METRIC_NAMES.join(', ')})`);
  return fn(info);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (rank - lo);
}
