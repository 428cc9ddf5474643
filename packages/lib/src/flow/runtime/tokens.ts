/**
 * What travels on an edge. Every edge carries every item of its stream, in order: an item a condition unit sent the
 * other way, or one a unit failed on, travels as a `skip`, so a unit with several inputs (or a port fed by several
 * edges, like the two branches of a condition meeting again) pairs its inputs by reading one token from each edge.
 * An expand unit's sub-stream of item `id` is the items `[...id, k]` and then a `sub-end` with `id`.
 */
import type { Meta } from '../types.js';

/** The item's position: `[k]` in the source's stream, `[k, j]` the j-th item of k's sub-stream, ... */
export type ItemId = readonly number[];

export type Token =
  | { readonly kind: 'data'; readonly id: ItemId; readonly value: unknown; readonly meta: Meta }
  | { readonly kind: 'skip'; readonly id: ItemId; readonly meta: Meta }
  | { readonly kind: 'sub-end'; readonly id: ItemId; readonly meta: Meta }
  | { readonly kind: 'eos' };

export const EOS: Token = { kind: 'eos' };

/** One row of a unit's inputs: the tokens of all its ports for one item, combined. */
export type Row =
  | { readonly kind: 'data'; readonly id: ItemId; readonly ports: Record<string, unknown>; readonly meta: Meta }
  | { readonly kind: 'skip' | 'sub-end'; readonly id: ItemId; readonly meta: Meta }
  | { readonly kind: 'error'; readonly id: ItemId; readonly meta: Meta; readonly reason: string }
  | { readonly kind: 'eos' };

export function sameId(a: ItemId, b: ItemId): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

export function formatId(id: ItemId): string {
  return id.join('.');
}
