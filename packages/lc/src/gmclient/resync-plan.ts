/**
 * What an LC does with a full resync: upsert every object in it and drop every local object it lacks (those
 * were deleted, or moved off this node, while the LC was away).
 */
import { messageKey, type DownstreamMessage } from '@sedna/api';

export interface ResyncPlan {
  /** Objects to create or replace locally, in resync order. */
  upserts: DownstreamMessage[];
  /** Keys (`kind/namespace/name`) of local objects to remove. */
  removals: string[];
}

/** `localKeys` are the `kind/namespace/name` keys the LC holds (see messageKey). */
export function planResync(localKeys: Iterable<string>, messages: readonly DownstreamMessage[]): ResyncPlan {
  const upserts = messages.filter((message) => message.header.operation !== 'delete');
  const kept = new Set(upserts.map((message) => messageKey(message.header)));
  const removals = [...localKeys].filter((key) => !kept.has(key));
  return { upserts, removals };
}
