/**
 * From a parsed graph to a checked one the scheduler runs. Every problem is collected and reported together:
 * units we do not have (the whole list), unknown nodes and ports (dangling edges), inputs nobody feeds, port type
 * mismatches, unknown or ill-typed options, cycles, expand/collapse levels that do not match, and nodes that join
 * streams of different sources.
 */
import type { Env } from '../../common/config.js';
import type { GraphFile } from '../description/graph-toml.js';
import { FlowGraphError, type OptionValue, type PortSpec, type PortType, type UnitDefinition } from '../types.js';
import { resolveOptions, schedulingInteger } from './options.js';

export interface UnitLookup {
  get(name: string): UnitDefinition | undefined;
  names(): readonly string[];
}

export type NodeRole = 'unit' | 'input' | 'output';

export interface BuiltNode {
  readonly name: string;
  readonly role: NodeRole;
  /** The unit (role unit). */
  readonly unit: UnitDefinition | undefined;
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly inputs: readonly PortSpec[];
  readonly outputs: readonly PortSpec[];
  readonly batchSize: number;
  readonly queueSize: number;
  /** Batches in flight at once (outputs still leave in order). */
  readonly concurrency: number;
  /** Worker threads for a CPU-bound unit (0: on the main thread). */
  readonly threads: number;
  /** Sub-stream depth of the node's inputs (0: the source's stream). */
  readonly level: number;
  /** The source node whose stream this node's items belong to. */
  readonly origin: string;
}

export interface BuiltEdge {
  readonly from: { readonly node: string; readonly port: string };
  readonly to: { readonly node: string; readonly port: string };
  readonly type: PortType;
}

export interface BuiltGraph {
  readonly name: string;
  readonly baseDir: string;
  /** In topological order (sources first). */
  readonly nodes: readonly BuiltNode[];
  readonly edges: readonly BuiltEdge[];
  /** The graph file's `fuse` (default true): the scheduler may run chains of units as one node. */
  readonly fuse: boolean;
}

/** The port of an external input node (`name[type=input]`) and of an output node. */
export const EXTERNAL_PORT = 'out';
export const OUTPUT_PORT = 'in';

type Draft = Omit<BuiltNode, 'level' | 'origin'>;

export function buildGraph(graph: GraphFile, units: UnitLookup, env: Env): BuiltGraph {
  const problems: string[] = [];
  const missing = new Set<string>();
  const draft = new Map<string, Draft>();
  for (const node of graph.dot.nodes) {
    const attrs = node.attributes;
    const role = (attrs.type ?? 'flowunit').toLowerCase();
    const common = {
      batchSize: schedulingInteger(node.name, attrs, 'batch_size', graph.batchSize, 1, problems),
      queueSize: schedulingInteger(node.name, attrs, 'queue_size', graph.queueSize, 1, problems),
      concurrency: schedulingInteger(node.name, attrs, 'concurrency', 1, 1, problems),
      threads: schedulingInteger(node.name, attrs, 'threads', 0, 0, problems),
    };
    if (role === 'input' || role === 'output') {
      const port: PortSpec = { name: role === 'input' ? EXTERNAL_PORT : OUTPUT_PORT, type: 'any' };
      draft.set(node.name, { name: node.name, role, unit: undefined, options: {}, inputs: role === 'output' ? [port] : [], outputs: role === 'input' ? [port] : [], ...common });
      continue;
    }
    if (role !== 'flowunit') {
      problems.push(`node ${node.name} (line ${node.line}): type=${attrs.type} is not one of flowunit, input, output`);
      continue;
    }
    const unitName = attrs.flowunit;
    if (!unitName) {
      problems.push(`node ${node.name} (line ${node.line}): flowunit=... is missing`);
      continue;
    }
    const unit = units.get(unitName);
    if (!unit) {
      missing.add(unitName);
      continue;
    }
    const d = unit.description;
    if (common.threads > 0 && !unit.threadFunction) problems.push(`node ${node.name}: threads=${common.threads}: unit ${d.name} does not run in worker threads (use concurrency for I/O-bound units)`);
    if (d.kind !== 'normal' && d.kind !== 'condition' && common.batchSize > 1) problems.push(`node ${node.name}: batch_size applies to normal and condition units, not to a ${d.kind} unit`);
    const options = resolveOptions(node.name, attrs, d, env, problems);
    draft.set(node.name, { name: node.name, role: 'unit', unit, options, inputs: d.inputs, outputs: d.outputs, ...common });
  }
  if (missing.size > 0) {
    problems.unshift(`the graph uses units that are not available: ${[...missing].sort().join(', ')} (available: ${[...units.names()].sort().join(', ')})`);
  }

  const edges: BuiltEdge[] = [];
  const endpointName = (e: { node: string; port: string | undefined }): string => (e.port === undefined ? e.node : `${e.node}:${e.port}`);
  const portOf = (nodeName: string, port: string | undefined, side: 'outputs' | 'inputs', line: number, shown: string): PortSpec | undefined => {
    const node = draft.get(nodeName);
    if (!node) {
      const declared = graph.dot.nodes.some((n) => n.name === nodeName);
      if (!declared) problems.push(`edge on line ${line}: ${shown}: node ${nodeName} is not declared`);
      return undefined;
    }
    const ports = node[side];
    if (port === undefined) {
      if (ports.length === 1) return ports[0];
      problems.push(`edge on line ${line}: ${shown}: node ${nodeName} has ${ports.length === 0 ? 'no' : 'several'} ${side}; name the port (${nodeName}:port)`);
      return undefined;
    }
    const spec = ports.find((p) => p.name === port);
    if (!spec) problems.push(`edge on line ${line}: ${shown}: ${nodeName} has no ${side === 'outputs' ? 'output' : 'input'} port ${JSON.stringify(port)} (its ${side}: ${ports.map((p) => p.name).join(', ') || 'none'})`);
    return spec;
  };
  for (const edge of graph.dot.edges) {
    const shown = `${endpointName(edge.from)} -> ${endpointName(edge.to)}`;
    const from = portOf(edge.from.node, edge.from.port, 'outputs', edge.line, shown);
    const to = portOf(edge.to.node, edge.to.port, 'inputs', edge.line, shown);
    if (!from || !to) continue;
    if (from.type !== 'any' && to.type !== 'any' && from.type !== to.type) {
      problems.push(`edge on line ${edge.line}: ${shown}: type mismatch, ${edge.from.node}:${from.name} gives ${from.type} but ${edge.to.node}:${to.name} takes ${to.type}`);
      continue;
    }
    edges.push({ from: { node: edge.from.node, port: from.name }, to: { node: edge.to.node, port: to.name }, type: from.type === 'any' ? to.type : from.type });
  }
  for (const node of draft.values()) {
    for (const port of node.inputs) {
      if (!edges.some((e) => e.to.node === node.name && e.to.port === port.name)) problems.push(`node ${node.name}: input port ${port.name} is not connected (dangling)`);
    }
  }

  const order = topologicalOrder([...draft.keys()], edges, problems);
  const levels = order ? computeLevels(order, draft, edges, problems) : new Map<string, number>();
  const origins = order ? checkStreamOrigins(order, draft, edges, problems) : new Map<string, string>();
  if (problems.length > 0) {
    throw new FlowGraphError(`${graph.file}: the graph has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n  - ${problems.join('\n  - ')}`, problems);
  }
  return {
    name: graph.name,
    baseDir: graph.baseDir,
    nodes: (order ?? []).map((name) => ({ ...(draft.get(name) as Draft), level: levels.get(name) ?? 0, origin: origins.get(name) ?? name })),
    edges,
    fuse: graph.fuse,
  };
}

/** Kahn's algorithm; a cycle is reported with the nodes on it. */
function topologicalOrder(names: string[], edges: readonly BuiltEdge[], problems: string[]): string[] | undefined {
  const indegree = new Map(names.map((n) => [n, 0]));
  for (const e of edges) indegree.set(e.to.node, (indegree.get(e.to.node) ?? 0) + 1);
  const ready = names.filter((n) => indegree.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const name = ready.shift() as string;
    order.push(name);
    for (const e of edges) {
      if (e.from.node !== name) continue;
      const left = (indegree.get(e.to.node) ?? 0) - 1;
      indegree.set(e.to.node, left);
      if (left === 0) ready.push(e.to.node);
    }
  }
  if (order.length < names.length) {
    const onCycle = names.filter((n) => !order.includes(n));
    problems.push(`the graph has a cycle through ${onCycle.join(', ')}: data must flow one way`);
    return undefined;
  }
  return order;
}

function computeLevels(order: string[], nodes: Map<string, Draft>, edges: readonly BuiltEdge[], problems: string[]): Map<string, number> {
  const inLevel = new Map<string, number>();
  const outLevel = new Map<string, number>();
  for (const name of order) {
    const node = nodes.get(name) as Draft;
    const incoming = edges.filter((e) => e.to.node === name).map((e) => ({ edge: e, level: outLevel.get(e.from.node) ?? 0 }));
    const levelsSeen = new Set(incoming.map((i) => i.level));
    if (levelsSeen.size > 1 && node.role !== 'output') {
      problems.push(`node ${name} joins items of different sub-stream depths (${incoming.map((i) => `${i.edge.from.node}: ${i.level}`).join(', ')}); collapse the expanded stream first`);
    }
    const level = incoming.length === 0 ? 0 : Math.max(...levelsSeen);
    inLevel.set(name, level);
    const kind = node.unit?.description.kind;
    if (kind === 'collapse' && level === 0) problems.push(`node ${name}: unit ${node.unit?.description.name} collapses a sub-stream, but nothing before it expands one`);
    outLevel.set(name, kind === 'expand' ? level + 1 : kind === 'collapse' ? Math.max(0, level - 1) : level);
  }
  return inLevel;
}

/** Which sources' streams reach each node; a node may not join two of them (their items do not pair up). */
function checkStreamOrigins(order: string[], nodes: Map<string, Draft>, edges: readonly BuiltEdge[], problems: string[]): Map<string, string> {
  const origin = new Map<string, string>();
  for (const name of order) {
    const incoming = edges.filter((e) => e.to.node === name);
    if (incoming.length === 0) {
      origin.set(name, name);
      continue;
    }
    const sources = new Set(incoming.map((e) => origin.get(e.from.node) as string));
    if (sources.size > 1 && nodes.get(name)?.role !== 'output') problems.push(`node ${name} joins the streams of different sources (${[...sources].join(', ')}); their items do not pair up`);
    origin.set(name, sources.size > 1 ? `${[...sources].join('+')}` : ([...sources][0] as string));
  }
  return origin;
}
