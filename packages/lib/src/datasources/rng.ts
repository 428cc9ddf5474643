/**
 * A small seedable random number generator (mulberry32), so partitions and shuffles are reproducible
 * from a seed on every machine, plus the distributions the partitioners need.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`RNG seed must be a finite number; got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/** Fisher-Yates shuffle in place; returns the array. */
export function shuffleInPlace<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/** Standard normal (Box-Muller). */
export function randomNormal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Gamma(shape, 1) by Marsaglia and Tsang; shapes below 1 use the boost Gamma(a+1)·U^(1/a). */
export function randomGamma(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new Error(`gamma shape must be positive; got ${shape}`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.next();
    return randomGamma(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = randomNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A draw from a symmetric Dirichlet(alpha, ..., alpha) of dimension k. */
export function randomDirichlet(rng: Rng, alpha: number, k: number): number[] {
  const draws = Array.from({ length: k }, () => randomGamma(rng, alpha));
  const sum = draws.reduce((a, b) => a + b, 0);
  // With a tiny alpha every gamma draw can underflow to 0; fall back to one random winner.
  if (sum === 0) {
    const winner = randomInt(rng, k);
    return draws.map((_, i) => (i === winner ? 1 : 0));
  }
  return draws.map((g) => g / sum);
}
