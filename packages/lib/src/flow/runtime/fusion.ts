/**
 * Which units the scheduler fuses into one node. A queue between two units costs a token, a row, a promise where
 * one side waits, and a turn of the scheduler per item; in a linear chain of units that call one after the other
 * anyway, none of that buys anything. So a chain whose every link is one output port feeding exactly one input
 * port, with nothing else leaving the upstream unit or entering the downstream one, runs as one node that calls
 * the units in turn on each batch. Only plain units are fused: normal ones (and a condition unit at the end of a
 * chain, whose several outputs are the fused node's), on the same device, with the same batch_size, one batch in
 * flight (concurrency=1) and no worker threads; sources, expand and collapse units, and input and output nodes stay
 * nodes of their own; but an output node fed by one edge from a node with no other edge is called by that node
 * (the output's sink, and its counts), rather than woken through a queue for every item. Every unit keeps its metrics (unit-stage.ts counts them as the separate nodes would).
 *
 * Fusion is on unless the graph says `[graph] fuse = false`, the flow is opened with `{ fuse: false }`, or the
 * worker's environment has SEDNA_FLOW_FUSE=false (or 0, off, no).
 */
import type { BuiltEdge, BuiltGraph, BuiltNode } from '../graph/build.js';

/** The environment variable that switches fusion off. */
export const FUSE_ENV = 'SEDNA_FLOW_FUSE';

/** Whether fusion is on: the flow's option first, then the environment, then the graph file. */
export function fusionEnabled(option: boolean | undefined, env: Readonly<Record<string, string | undefined>>, graph: BuiltGraph): boolean {
  if (option !== undefined) return option;
  const raw = env[FUSE_ENV]?.trim().toLowerCase();
  if (raw !== undefined && raw !== '') {
    if (['0', 'false', 'off', 'no'].includes(raw)) return false;
    if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
    throw new Error(`${FUSE_ENV}=${JSON.stringify(env[FUSE_ENV])}: expected true or false`);
  }
  return graph.fuse;
}

/** A unit that can be called in turn with its neighbours: plain process(), one batch at a time, on this thread. */
function plain(node: BuiltNode): boolean {
  const kind = node.unit?.description.kind;
  return node.role === 'unit' && (kind === 'normal' || kind === 'condition') && node.concurrency === 1 && node.threads === 0;
}

/**
 * The chains to fuse (each at least two units, in stream order), and the edges inside them, which get no queue.
 */
export interface FusionPlan {
  readonly chains: readonly (readonly BuiltNode[])[];
  /** Edges inside the chains: no queue. */
  readonly internalEdges: ReadonlySet<BuiltEdge>;
  /**
   * Edges into an output node from a node whose only edge it is (and the output node's only edge): the node
   * before calls the output's sink itself, so the output node does not run (nor wake for every item).
   */
  readonly directOutputs: ReadonlySet<BuiltEdge>;
}

export function planFusion(graph: BuiltGraph): FusionPlan {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const outgoing = new Map<string, BuiltEdge[]>();
  const incoming = new Map<string, number>();
  for (const e of graph.edges) {
    outgoing.set(e.from.node, [...(outgoing.get(e.from.node) ?? []), e]);
    incoming.set(e.to.node, (incoming.get(e.to.node) ?? 0) + 1);
  }
  /** The edge from `node` to the next unit of its chain, if that link can be fused. */
  const fusedLink = (node: BuiltNode): BuiltEdge | undefined => {
    if (!plain(node) || node.unit?.description.kind !== 'normal') return undefined;
    const out = outgoing.get(node.name) ?? [];
    if (out.length !== 1) return undefined;
    const edge = out[0] as BuiltEdge;
    const next = byName.get(edge.to.node);
    if (!next || !plain(next) || incoming.get(next.name) !== 1) return undefined;
    if (next.batchSize !== node.batchSize || next.unit?.description.device !== node.unit?.description.device || next.level !== node.level) return undefined;
    return edge;
  };
  const chains: BuiltNode[][] = [];
  const internalEdges = new Set<BuiltEdge>();
  const inChain = new Set<string>();
  // Topological order: a chain is met at its head first.
  for (const head of graph.nodes) {
    if (inChain.has(head.name)) continue;
    const chain = [head];
    for (let link = fusedLink(head); link; link = fusedLink(chain.at(-1) as BuiltNode)) {
      internalEdges.add(link);
      chain.push(byName.get(link.to.node) as BuiltNode);
    }
    if (chain.length < 2) continue;
    for (const node of chain) inChain.add(node.name);
    chains.push(chain);
  }
  const directOutputs = new Set<BuiltEdge>();
  for (const e of graph.edges) {
    const to = byName.get(e.to.node);
    if (to?.role === 'output' && incoming.get(to.name) === 1 && (outgoing.get(e.from.node) ?? []).length === 1) directOutputs.add(e);
  }
  return { chains, internalEdges, directOutputs };
}
