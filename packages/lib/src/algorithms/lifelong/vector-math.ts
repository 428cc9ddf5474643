/**
 * Small dense-vector routines the lifelong algorithms share: distances, k-means with k-means++ seeding, quantiles.
 * Rows are read from one flat Float32Array of `n × d` values.
 */
import { seededRandom, type RandomSource } from '../../common/random.js';

export function squaredDistance(a: Float32Array, aOffset: number, b: ArrayLike<number>, bOffset: number, d: number): number {
  let sum = 0;
  for (let t = 0; t < d; t++) {
    const diff = (a[aOffset + t] as number) - (b[bOffset + t] as number);
    sum += diff * diff;
  }
  return sum;
}

/** Index of the centroid nearest to row `row` and its squared distance. */
export function nearestCentroid(data: Float32Array, row: number, centroids: Float32Array, k: number, d: number): { index: number; squaredDistance: number } {
  let index = 0;
  let best = Infinity;
  for (let j = 0; j < k; j++) {
    const s = squaredDistance(data, row * d, centroids, j * d, d);
    if (s < best) {
      best = s;
      index = j;
    }
  }
  return { index, squaredDistance: best };
}

/** Mean of the rows at `rows` (all rows when omitted). */
export function meanVector(data: Float32Array, n: number, d: number, rows?: ArrayLike<number>): Float32Array {
  const sum = new Float64Array(d);
  const count = rows === undefined ? n : rows.length;
  for (let k = 0; k < count; k++) {
    const base = (rows === undefined ? k : (rows[k] as number)) * d;
    for (let t = 0; t < d; t++) sum[t] = (sum[t] as number) + (data[base + t] as number);
  }
  const mean = new Float32Array(d);
  if (count > 0) for (let t = 0; t < d; t++) mean[t] = (sum[t] as number) / count;
  return mean;
}

export interface KMeansOptions {
  seed?: number;
  /** Lloyd iterations at most (default 20); it stops earlier when no assignment changes. */
  maxIterations?: number;
}

export interface KMeansResult {
  /** k × d, row-major. */
  centroids: Float32Array;
  k: number;
  /** Cluster of every row. */
  assignments: Int32Array;
  /** Rows per cluster. */
  sizes: Int32Array;
}

/**
 * Lloyd's k-means with k-means++ seeding (deterministic for a seed). k is capped at n; an emptied cluster is
 * re-seeded with the row farthest from its centroid so every cluster keeps at least one row.
 */
export function kMeans(data: Float32Array, n: number, d: number, requestedK: number, options: KMeansOptions = {}): KMeansResult {
  if (!Number.isInteger(requestedK) || requestedK < 1) throw new RangeError(`k-means needs k >= 1, got ${requestedK}`);
  if (n < 1) throw new RangeError('k-means needs at least one row');
  const k = Math.min(requestedK, n);
  const random = seededRandom(options.seed ?? 0);
  const centroids = seedPlusPlus(data, n, d, k, random);
  const assignments = new Int32Array(n).fill(-1);
  const sizes = new Int32Array(k);
  const maxIterations = options.maxIterations ?? 20;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const { index } = nearestCentroid(data, i, centroids, k, d);
      if (assignments[i] !== index) {
        assignments[i] = index;
        changed++;
      }
    }
    recomputeCentroids(data, n, d, k, assignments, centroids, sizes);
    if (changed === 0) break;
  }
  return { centroids, k, assignments, sizes };
}

function seedPlusPlus(data: Float32Array, n: number, d: number, k: number, random: RandomSource): Float32Array {
  const centroids = new Float32Array(k * d);
  const first = Math.floor(random() * n);
  centroids.set(data.subarray(first * d, first * d + d), 0);
  const nearest = new Float64Array(n).fill(Infinity);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const s = squaredDistance(data, i * d, centroids, (j - 1) * d, d);
      if (s < (nearest[i] as number)) nearest[i] = s;
      total += nearest[i] as number;
    }
    let pick = Math.floor(random() * n);
    if (total > 0) {
      let target = random() * total;
      for (let i = 0; i < n; i++) {
        target -= nearest[i] as number;
        if (target <= 0) {
          pick = i;
          break;
        }
      }
    }
    centroids.set(data.subarray(pick * d, pick * d + d), j * d);
  }
  return centroids;
}

function recomputeCentroids(data: Float32Array, n: number, d: number, k: number, assignments: Int32Array, centroids: Float32Array, sizes: Int32Array): void {
  const sums = new Float64Array(k * d);
  sizes.fill(0);
  for (let i = 0; i < n; i++) {
    const c = assignments[i] as number;
    sizes[c] = (sizes[c] as number) + 1;
    for (let t = 0; t < d; t++) sums[c * d + t] = (sums[c * d + t] as number) + (data[i * d + t] as number);
  }
  for (let c = 0; c < k; c++) {
    const size = sizes[c] as number;
    if (size > 0) {
      for (let t = 0; t < d; t++) centroids[c * d + t] = (sums[c * d + t] as number) / size;
      continue;
    }
    // An empty cluster takes over the row farthest from its own centroid.
    let far = 0;
    let farDistance = -1;
    for (let i = 0; i < n; i++) {
      const s = squaredDistance(data, i * d, centroids, (assignments[i] as number) * d, d);
      if (s > farDistance && (sizes[assignments[i] as number] as number) > 1) {
        farDistance = s;
        far = i;
      }
    }
    if (farDistance < 0) continue; // every other cluster has a single row: nothing to take over
    const from = assignments[far] as number;
    sizes[from] = (sizes[from] as number) - 1;
    assignments[far] = c;
    sizes[c] = 1;
    centroids.set(data.subarray(far * d, far * d + d), c * d);
  }
}

/** The q-quantile (0..1) of sorted values, linearly interpolated. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty list');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  const weight = position - low;
  return (sorted[low] as number) * (1 - weight) + (sorted[high] as number) * weight;
}

/** The 101 percentiles 0..100 of `values` (which are sorted in place). */
export function percentiles(values: number[]): number[] {
  values.sort((a, b) => a - b);
  return Array.from({ length: 101 }, (_, p) => quantileOfSorted(values, p / 100));
}
