/** Kubernetes resource quantities (`100m`, `2Gi`, `1.5`, `64M`, `1e3`) as plain numbers. */

const UNITS: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** A quantity's value (`500m` is 0.5, `1Ki` 1024); 0 when absent, NaN when it cannot be read. */
export function quantityValue(q: string | number | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)([A-Za-z]*)$/.exec(q.trim());
  return m && m[2]! in UNITS ? Number(m[1]) * UNITS[m[2]!]! : Number.NaN;
}
