/**
 * Random sources. Algorithms that draw (Random hard example mining, client sampling) take a
 * `RandomSource` so tests can make them deterministic with `seededRandom(seed)`.
 */

/** Returns uniform floats in [0, 1), like Math.random. */
export type RandomSource = () => number;

/**
 * A small, fast, seedable generator (xoshiro128**, seeded through splitmix32). Not cryptographic: for
 * sampling and tests only.
 */
export function seededRandom(seed: number): RandomSource {
  if (!Number.isFinite(seed)) throw new RangeError(`seededRandom: seed must be a finite number, got ${seed}`);
  let mix = Math.trunc(seed) >>> 0;
  const splitmix32 = (): number => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32();
  let s1 = splitmix32();
  let s2 = splitmix32();
  let s3 = splitmix32();
  return () => {
    const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotateLeft(s3, 11);
    return result / 4294967296;
  };
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}
