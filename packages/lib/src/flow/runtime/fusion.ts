/**
 * Which units the scheduler fuses into one node. A queue between two units costs a token, a row, a promise where
 * one side waits, and a turn of the scheduler per item; between units that call one after the other anyway, none of
 * that buys anything. So these run as one node that calls its units in turn on each batch (fused-stages.ts):
 * - a line: one output port feeding exactly one input port, with nothing else leaving the upstream unit or entering
 *   the downstream one;
 * - a condition unit's branches and the unit where they meet again (the hard example mining shape: mining:hard ->
 *   cloud -> result, mining:easy -> result): each of the condition's output edges (at least two, one per port)
 *   starts a branch of normal units in a line (or none), all branches end at one unit that nothing else feeds, and
 *   nothing else leaves the branches. Each item takes its branch and meets the others' skips at the meeting unit,
 *   as it would through queues; the line may go on after it.
 * Only plain units are fused: normal and condition ones, on the same device, with the same batch_size, one batch in
 * flight (concurrency=1) and no worker threads; sources, expand and collapse units, and input and output nodes stay
 * nodes of their own; but an output node fed by one edge from a node with no other edge is called by that node
 * (the output's sink, and its counts), rather than woken through a queue for every item. Every unit keeps its
 * metrics, events and order (unit-stage.ts and fused-stages.ts count them as the separate nodes would). A fused
 * node works on one batch at a time: a unit that waits (the cloud's answer) holds the units before it, as a
 * hand-written loop would, where unfused they would run ahead up to their queues.
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
 * The units to fuse (each fused node's, at least two, in the graph's order: the first is the one whose inputs are
 * the node's, the last the one whose outputs are the node's), and the edges inside them, which get no queue.
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
  const incoming = new Map<string, BuiltEdge[]>();
  for (const e of graph.edges) {
    outgoing.set(e.from.node, [...(outgoing.get(e.from.node) ?? []), e]);
    incoming.set(e.to.node, [...(incoming.get(e.to.node) ?? []), e]);
  }
  const outOf = (node: BuiltNode): BuiltEdge[] => outgoing.get(node.name) ?? [];
  const intoCount = (node: BuiltNode): number => incoming.get(node.name)?.length ?? 0;
  /** `next` can run in the same node as `node`: plain, on the same device, batch size and sub-stream level. */
  const compatible = (node: BuiltNode, next: BuiltNode | undefined): next is BuiltNode =>
    next !== undefined && plain(next) && next.batchSize === node.batchSize && next.unit?.description.device === node.unit?.description.device && next.level === node.level;
  /** The edge from a normal unit to the next unit of its line, if that link can be fused. */
  const fusedLink = (node: BuiltNode): BuiltEdge | undefined => {
    if (!plain(node) || node.unit?.description.kind !== 'normal') return undefined;
    const out = outOf(node);
    if (out.length !== 1) return undefined;
    const edge = out[0] as BuiltEdge;
    const next = byName.get(edge.to.node);
    return compatible(node, next) && intoCount(next) === 1 ? edge : undefined;
  };
  /**
   * A condition unit's branches and the unit where they meet: every output edge of the condition (at least two, one
   * per port) starts a branch of normal units in a line (none, or each with one edge in and one out), and every
   * branch ends at one unit that nothing else feeds. The units of the branches, then the meeting unit.
   */
  const diamond = (condition: BuiltNode): { units: BuiltNode[]; join: BuiltNode } | undefined => {
    if (!plain(condition) || condition.unit?.description.kind !== 'condition') return undefined;
    const out = outOf(condition);
    if (out.length < 2 || new Set(out.map((e) => e.from.port)).size !== out.length) return undefined;
    const units: BuiltNode[] = [];
    let join: BuiltNode | undefined;
    for (const edge of out) {
      let next = byName.get(edge.to.node);
      // Along the branch while its units have one edge in and one out; where it stops is where it meets the others.
      while (compatible(condition, next) && next.unit?.description.kind === 'normal' && intoCount(next) === 1 && outOf(next).length === 1) {
        units.push(next);
        next = byName.get((outOf(next)[0] as BuiltEdge).to.node);
      }
      if (!compatible(condition, next) || (join !== undefined && next !== join)) return undefined;
      join = next;
    }
    if (join === undefined || intoCount(join) !== out.length) return undefined;
    return { units, join };
  };
  const chains: BuiltNode[][] = [];
  const internalEdges = new Set<BuiltEdge>();
  const inChain = new Set<string>();
  const order = new Map(graph.nodes.map((n, k) => [n.name, k]));
  // Topological order: a fused node is met at its head first.
  for (const head of graph.nodes) {
    if (inChain.has(head.name) || !plain(head)) continue;
    const members = [head];
    for (let tail: BuiltNode | undefined = head; tail; ) {
      const link = fusedLink(tail);
      if (link) {
        tail = byName.get(link.to.node) as BuiltNode;
        members.push(tail);
        continue;
      }
      const meeting = diamond(tail);
      if (!meeting) break;
      members.push(...meeting.units, meeting.join);
      tail = meeting.join;
    }
    if (members.length < 2) continue;
    // The units in the graph's order (a unit after every unit that feeds it), which is the order they are called in.
    members.sort((a, b) => (order.get(a.name) as number) - (order.get(b.name) as number));
    const names = new Set(members.map((n) => n.name));
    for (const e of graph.edges) if (names.has(e.from.node) && names.has(e.to.node)) internalEdges.add(e);
    for (const node of members) inChain.add(node.name);
    chains.push(members);
  }
  const directOutputs = new Set<BuiltEdge>();
  for (const e of graph.edges) {
    const to = byName.get(e.to.node);
    if (to?.role === 'output' && intoCount(to) === 1 && outOf(byName.get(e.from.node) as BuiltNode).length === 1) directOutputs.add(e);
  }
  return { chains, internalEdges, directOutputs };
}
