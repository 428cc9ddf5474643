/**
 * Feature vectors and matching: every feature is L2-normalised (the original relied on the model doing it), so the
 * cosine similarity is a dot product; a query matches a candidate when the best similarity reaches the threshold.
 * The threshold comes from `match_thresh` (what the original's sample sets) or `match_threshold` (what its worker
 * read), parsed as a number (the original compared a float with the string and raised).
 */
import type { Env } from '../../common/config.js';

export const DEFAULT_MATCH_THRESHOLD = 0.75;

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  const out = new Float32Array(v.length);
  if (n === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`feature dimensions differ: ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The mean of L2-normalised vectors, normalised again (the original's avg_mode for several query images). */
export function meanFeature(rows: Float32Array[]): Float32Array {
  if (rows.length === 0) throw new Error('meanFeature needs at least one vector');
  const out = new Float32Array(rows[0]!.length);
  for (const r of rows) for (let i = 0; i < out.length; i++) out[i]! += r[i]!;
  return l2normalize(out);
}

export interface Match {
  /** Index of the best candidate, -1 when none reaches the threshold. */
  index: number;
  score: number;
}

/** Best candidate for `query` (the original's match_query_to_targets). */
export function bestMatch(query: Float32Array, candidates: Float32Array[], threshold: number): Match {
  let index = -1;
  let score = -Infinity;
  candidates.forEach((c, i) => {
    const s = cosine(query, c);
    if (s > score) {
      score = s;
      index = i;
    }
  });
  return score >= threshold ? { index, score } : { index: -1, score: Number.isFinite(score) ? score : 0 };
}

/** match_thresh or match_threshold from the environment (they must agree when both are set). */
export function matchThresholdFromEnv(env: Env = process.env, fallback = DEFAULT_MATCH_THRESHOLD): number {
  const parse = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < -1 || v > 1) throw new Error(`${name} must be a number between -1 and 1 (a cosine similarity); got ${JSON.stringify(raw)}`);
    return v;
  };
  const a = parse('match_thresh');
  const b = parse('match_threshold');
  if (a !== undefined && b !== undefined && a !== b) throw new Error(`match_thresh (${a}) and match_threshold (${b}) disagree; set one of them`);
  return a ?? b ?? fallback;
}
