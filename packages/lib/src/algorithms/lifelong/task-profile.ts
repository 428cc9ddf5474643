/**
 * What a task's samples look like, kept next to its model so the edge can tell whether a new sample belongs to a
 * known task. A profile is a few k-means clusters of the task's features, each with a per-feature mean and variance
 * (a diagonal Gaussian). A sample's score is its smallest variance-scaled distance to a cluster,
 *   sqrt( min_j  mean_t (x_t - mean_jt)^2 / (var_jt + floor) ),
 * which weighs each feature by how much it varies inside the task: a change in something the task never varies
 * (the empty background of an upright camera, the brightness range of a site) counts for much more than a change
 * in what varies from class to class. The floor keeps constant features from dominating; it is a fraction of the
 * task's mean feature variance, so the score does not depend on the features' scale.
 *
 * Calibration: part of the samples is held out from the clustering and scored; their score percentiles are kept
 * so a recognizer can put its threshold at a chosen quantile of scores of samples known to belong to the task.
 */
import type { SampleSet } from './sample-set.js';
import { kMeans, percentiles } from './vector-math.js';

export interface TaskProfileCluster {
  readonly mean: Float32Array;
  readonly inverseVariance: Float32Array;
  /** Share of the fitted samples in this cluster. */
  readonly weight: number;
}

export interface TaskProfile {
  readonly featureSize: number;
  readonly sampleCount: number;
  readonly clusters: readonly TaskProfileCluster[];
  /** Score percentiles 0..100 of held-out samples of the task (101 values, ascending). */
  readonly calibration: readonly number[];
}

export interface TaskProfileOptions {
  /** Clusters per task (default 10; fewer for small tasks, at least 5 samples each). */
  clusters?: number;
  /** Variance floor as a fraction of the task's mean feature variance (default 0.03). */
  varianceFloor?: number;
  /** Share of samples held out for calibration (default 0.2; tasks under 20 samples calibrate in-sample). */
  calibrationShare?: number;
  seed?: number;
}

export const PROFILE_DEFAULTS = { clusters: 10, varianceFloor: 0.03, calibrationShare: 0.2, seed: 0 } as const;

export function buildTaskProfile(samples: SampleSet, options: TaskProfileOptions = {}): TaskProfile {
  const n = samples.size;
  const d = samples.featureSize;
  if (n < 1) throw new Error('a task profile needs at least one sample');
  const requested = options.clusters ?? PROFILE_DEFAULTS.clusters;
  const floorRatio = options.varianceFloor ?? PROFILE_DEFAULTS.varianceFloor;
  const share = options.calibrationShare ?? PROFILE_DEFAULTS.calibrationShare;
  if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`profile clusters must be a positive integer, got ${requested}`);
  if (!(floorRatio > 0)) throw new RangeError(`profile varianceFloor must be positive, got ${floorRatio}`);
  if (!(share >= 0 && share < 1)) throw new RangeError(`profile calibrationShare must be in [0, 1), got ${share}`);

  // Every k-th sample is held out, so the held-out part spreads over the whole set whatever its order.
  const calibrationRows: number[] = [];
  const fitRows: number[] = [];
  const step = share > 0 ? Math.max(2, Math.round(1 / share)) : 0;
  for (let i = 0; i < n; i++) (n >= 20 && step > 0 && i % step === 0 ? calibrationRows : fitRows).push(i);
  if (calibrationRows.length === 0) calibrationRows.push(...fitRows);

  const fitData = gatherRows(samples.features.data, d, fitRows);
  const k = Math.max(1, Math.min(requested, Math.floor(fitRows.length / 5)));
  const clustering = kMeans(fitData, fitRows.length, d, k, { seed: options.seed ?? PROFILE_DEFAULTS.seed });
  const floor = floorRatio * meanFeatureVariance(fitData, fitRows.length, d);

  const clusters: TaskProfileCluster[] = [];
  for (let c = 0; c < clustering.k; c++) {
    const size = clustering.sizes[c] as number;
    if (size === 0) continue;
    const mean = clustering.centroids.slice(c * d, (c + 1) * d);
    const variance = new Float64Array(d);
    for (let i = 0; i < fitRows.length; i++) {
      if (clustering.assignments[i] !== c) continue;
      for (let t = 0; t < d; t++) {
        const diff = (fitData[i * d + t] as number) - (mean[t] as number);
        variance[t] = (variance[t] as number) + diff * diff;
      }
    }
    const inverseVariance = new Float32Array(d);
    for (let t = 0; t < d; t++) inverseVariance[t] = 1 / ((variance[t] as number) / size + floor);
    clusters.push({ mean, inverseVariance, weight: size / fitRows.length });
  }
  const profile = { featureSize: d, sampleCount: n, clusters, calibration: [] as number[] };
  const scores = calibrationRows.map((row) => profileScore(profile, samples.features.data, row));
  return { ...profile, calibration: percentiles(scores) };
}

/** The variance-scaled distance of row `row` of `data` to the profile's nearest cluster. */
export function profileScore(profile: Pick<TaskProfile, 'featureSize' | 'clusters'>, data: Float32Array, row: number): number {
  const d = profile.featureSize;
  const base = row * d;
  let best = Infinity;
  for (const cluster of profile.clusters) {
    const { mean, inverseVariance } = cluster;
    let sum = 0;
    for (let t = 0; t < d; t++) {
      const diff = (data[base + t] as number) - (mean[t] as number);
      sum += diff * diff * (inverseVariance[t] as number);
      if (sum >= best) break;
    }
    if (sum < best) best = sum;
  }
  return Math.sqrt(best / d);
}

/** The score at calibration quantile q (0..1): scores above it are rarer than 1 - q among the task's own samples. */
export function profileThreshold(profile: TaskProfile, quantile: number): number {
  if (profile.calibration.length !== 101) throw new Error(`a task profile needs 101 calibration percentiles, has ${profile.calibration.length}`);
  const position = quantile * 100;
  const low = Math.floor(position);
  const high = Math.min(100, low + 1);
  const weight = position - low;
  const value = (profile.calibration[low] as number) * (1 - weight) + (profile.calibration[high] as number) * weight;
  return value > 0 ? value : Number.MIN_VALUE;
}

/** The weighted mean of the profile's clusters: the task's centre, for relation discovery and transfer. */
export function profileCentroid(profile: TaskProfile): Float32Array {
  const mean = new Float32Array(profile.featureSize);
  for (const cluster of profile.clusters) for (let t = 0; t < mean.length; t++) mean[t] = (mean[t] as number) + cluster.weight * (cluster.mean[t] as number);
  return mean;
}

function gatherRows(data: Float32Array, d: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((row, k) => out.set(data.subarray(row * d, (row + 1) * d), k * d));
  return out;
}

function meanFeatureVariance(data: Float32Array, n: number, d: number): number {
  if (n < 2) return 1;
  const sum = new Float64Array(d);
  const sumSq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) {
      const v = data[i * d + t] as number;
      sum[t] = (sum[t] as number) + v;
      sumSq[t] = (sumSq[t] as number) + v * v;
    }
  }
  let total = 0;
  for (let t = 0; t < d; t++) total += Math.max(0, (sumSq[t] as number) / n - ((sum[t] as number) / n) ** 2);
  const mean = total / d;
  return mean > 0 ? mean : 1;
}

// --- serialization: JSON with the float arrays in base64 (little-endian float32)

export const PROFILE_FORMAT = 'sedna-task-profile/v1';

export function encodeTaskProfile(profile: TaskProfile): string {
  return JSON.stringify({
    format: PROFILE_FORMAT,
    feature_size: profile.featureSize,
    sample_count: profile.sampleCount,
    calibration: profile.calibration,
    clusters: profile.clusters.map((c) => ({ weight: c.weight, mean: floatsToBase64(c.mean), inverse_variance: floatsToBase64(c.inverseVariance) })),
  });
}

export function decodeTaskProfile(text: string, where: string): TaskProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not a task profile (invalid JSON: ${(error as Error).message})`, { cause: error });
  }
  const json = raw as { format?: unknown; feature_size?: unknown; sample_count?: unknown; calibration?: unknown; clusters?: unknown };
  if (json === null || typeof json !== 'object' || json.format !== PROFILE_FORMAT) throw new Error(`${where}: not a task profile (format must be ${PROFILE_FORMAT})`);
  const d = json.feature_size;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw new Error(`${where}: feature_size must be a positive integer`);
  if (!Array.isArray(json.calibration) || json.calibration.length !== 101 || !json.calibration.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error(`${where}: calibration must be 101 numbers`);
  }
  if (!Array.isArray(json.clusters) || json.clusters.length === 0) throw new Error(`${where}: clusters must be a non-empty list`);
  const clusters = json.clusters.map((entry: unknown, index: number): TaskProfileCluster => {
    const c = entry as { weight?: unknown; mean?: unknown; inverse_variance?: unknown };
    const mean = base64ToFloats(c.mean, `${where}: clusters[${index}].mean`, d);
    const inverseVariance = base64ToFloats(c.inverse_variance, `${where}: clusters[${index}].inverse_variance`, d);
    if (typeof c.weight !== 'number') throw new Error(`${where}: clusters[${index}].weight must be a number`);
    return { mean, inverseVariance, weight: c.weight };
  });
  return { featureSize: d, sampleCount: typeof json.sample_count === 'number' ? json.sample_count : 0, clusters, calibration: json.calibration as number[] };
}

export function floatsToBase64(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function base64ToFloats(value: unknown, where: string, expectedLength?: number): Float32Array {
  if (typeof value !== 'string') throw new Error(`${where} must be base64 text`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`${where}: ${bytes.length} bytes is not a whole number of float32 values`);
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  if (expectedLength !== undefined && out.length !== expectedLength) throw new Error(`${where}: expected ${expectedLength} values, found ${out.length}`);
  return out;
}
