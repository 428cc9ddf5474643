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

const EMPTY_META: Meta = Object.freeze({});

/**
 * An item's meta with what a unit added: a new object, the added keys last. Object.assign, as the compiled chains
 * merge (item-chain.ts): written out in place, spreads of metas whose shapes vary from item to item take V8's slow
 * path on Node 20 (`npm run bench -- flow --parts meta_merge`: about 1,000 ns an item for the joint inference graph's
 * merges against 170).
 */
export function mergeMeta(base: Meta, added: Meta): Meta {
  return Object.assign({}, base, added);
}

/**
 * One item's tokens from every input edge of a unit (per input port, one token per edge into it) as its row: data
 * with every port's value and the merged metas; a skip when some port got none (a condition sent the item the
 * other way, or a unit dropped it); the end of a sub-stream; the end of the stream when every edge ended; an error
 * row when a port got two values for one item (its edges are not branches of one condition). `perPort` is only read.
 */
export function combineRow(node: string, ports: readonly string[], perPort: readonly (readonly Token[])[]): Row {
  let first: Token | undefined;
  let eos = 0;
  let count = 0;
  for (const tokens of perPort) for (const t of tokens) {
    count++;
    if (t.kind === 'eos') eos++;
    else first ??= t;
  }
  if (eos === count) return { kind: 'eos' };
  if (first === undefined || first.kind === 'eos') return { kind: 'eos' };
  if (eos > 0) throw new Error(`node ${node}: its inputs ended at different items (the graph's streams are out of step)`);
  const values: Record<string, unknown> = {};
  let meta: Meta = EMPTY_META;
  let state: 'data' | 'skip' | 'sub-end' = 'data';
  for (let p = 0; p < perPort.length; p++) {
    const tokens = perPort[p] as readonly Token[];
    const port = ports[p] as string;
    let set = 0;
    let subEnd = false;
    for (const t of tokens) {
      if (t.kind === 'data') {
        set++;
        values[port] = t.value;
        meta = meta === EMPTY_META ? t.meta : mergeMeta(meta, t.meta);
      } else if (t.kind === 'sub-end') subEnd = true;
    }
    if (set > 1) return { kind: 'error', id: first.id, meta: first.meta, reason: `input port ${port} got ${set} values for one item (its edges are not branches of one condition)` };
    if (subEnd) state = 'sub-end';
    else if (set === 0 && state === 'data') state = 'skip';
  }
  if (state === 'data') return { kind: 'data', id: first.id, ports: values, meta };
  return { kind: state, id: first.id, meta: first.meta };
}

export function sameId(a: ItemId, b: ItemId): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

export function formatId(id: ItemId): string {
  return id.join('.');
}
