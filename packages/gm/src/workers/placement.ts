/**
 * Where a worker runs when its template names no node: the dataset's node for workers that train on a dataset
 * (as Sedna does), else a Ready node of the wanted role. Embedded mode has no scheduler, so the GM chooses.
 */
import { ROLE_LABEL } from '../nodes/node-lifecycle.js';
import type { KindReader } from '../runtime/cache.js';
import type { ObjectOf } from '../runtime/kinds.js';

function isReady(node: ObjectOf<'Node'>): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The first Ready node of a role, by name, so the choice is stable across reconciles. */
export function nodeForRole(nodes: KindReader<'Node'>, role: 'cloud' | 'edge'): string | undefined {
  return nodes
    .list()
    .filter((n) => n.metadata.labels?.[ROLE_LABEL] === role && isReady(n))
    .map((n) => n.metadata.name!)
    .sort()[0];
}
