/**
 * ModelBox graph files to and from the composer: the TOML's `[flow]` name, the Graphviz `graphconf`'s nodes (their
 * `flowunit` attribute names the unit; the other attributes are its settings) and edges (`a:out -> b:in`). Parsing
 * and writing are the flow runtime's own (`@sedna/lib/flow/description`). A node naming one of the composer's Sedna
 * units opens as that unit; any other as a flowunit with the ports its description declares (or, unknown, the ports
 * its edges use, typed `any`); a name both a built-in flowunit and a composer unit have opens as the flowunit.
 */
import { parseGraphDocument, writeGraphToml, type DotNode } from '@sedna/lib/flow/description';
import { UNITS, type ComposerEdge, type ComposerGraph, type ComposerNode, type PortDef, type UnitDef } from '../composer/units.js';
import { FLOWUNIT_PREFIX } from './flowunits.js';

/** Attributes that describe the node itself, not a setting of its unit. */
const NODE_ATTRIBUTES = new Set(['type', 'flowunit', 'device', 'deviceid', 'label', 'shape']);

export interface ImportedGraph {
  graph: ComposerGraph;
  /** Units the graph uses that no description declared: made from its edges. */
  inferred: UnitDef[];
}

export function importGraphToml(text: string, fileName: string, known: ReadonlyMap<string, UnitDef>, namespace = 'default'): ImportedGraph {
  const doc = parseGraphDocument(text, fileName);
  const inferredPorts = new Map<string, { inputs: Set<string>; outputs: Set<string> }>();
  const unitName = (n: DotNode): string => n.attributes['flowunit'] ?? (n.attributes['type'] === 'input' ? 'input' : n.attributes['type'] === 'output' ? 'output' : n.name);
  const typeOf = (n: DotNode): string => {
    const name = unitName(n);
    // A flowunit the catalogue declares opens as that flowunit even when a composer unit has its name
    // (hard_example_mining, cloud_inference): the graph's edges use the flowunit's ports.
    if (known.has(`${FLOWUNIT_PREFIX}${name}`)) return `${FLOWUNIT_PREFIX}${name}`;
    return UNITS.some((u) => u.type === name) ? name : `${FLOWUNIT_PREFIX}${name}`;
  };
  const byName = new Map(doc.dot.nodes.map((n) => [n.name, n]));
  const nodes: ComposerNode[] = doc.dot.nodes.map((n) => ({
    id: n.name,
    type: typeOf(n),
    values: Object.fromEntries(Object.entries(n.attributes).filter(([k]) => !NODE_ATTRIBUTES.has(k))),
  }));
  const edges: ComposerEdge[] = doc.dot.edges.map((e, i) => {
    const sourcePort = e.from.port ?? 'out';
    const targetPort = e.to.port ?? 'in';
    for (const [node, port, side] of [[e.from.node, sourcePort, 'outputs'], [e.to.node, targetPort, 'inputs']] as const) {
      const dot = byName.get(node);
      if (!dot) continue;
      const type = typeOf(dot);
      const entry = inferredPorts.get(type) ?? { inputs: new Set<string>(), outputs: new Set<string>() };
      entry[side].add(port);
      inferredPorts.set(type, entry);
    }
    return { id: `e${i}`, source: e.from.node, sourcePort, target: e.to.node, targetPort };
  });
  const inferred: UnitDef[] = [];
  for (const [type, ports] of inferredPorts) {
    if (known.has(type) || UNITS.some((u) => u.type === type)) continue;
    const any = (names: Set<string>): PortDef[] => [...names].map((name) => ({ name, type: 'any' }));
    inferred.push({ type, label: `${type.slice(FLOWUNIT_PREFIX.length)} (no description)`, group: 'flowunit', inputs: any(ports.inputs), outputs: any(ports.outputs), fields: [] });
  }
  return { graph: { name: doc.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'imported', namespace, nodes, edges }, inferred };
}

export function exportGraphToml(g: ComposerGraph, driverDirs: readonly string[] = []): string {
  return writeGraphToml({
    name: g.name,
    description: `exported by the Sedna console (${g.nodes.length} units)`,
    driverDirs,
    dot: {
      name: g.name.replace(/-/g, '_'),
      graphAttributes: {},
      nodes: g.nodes.map((n) => {
        const flowunit = n.type.startsWith(FLOWUNIT_PREFIX) ? n.type.slice(FLOWUNIT_PREFIX.length) : n.type;
        const settings = Object.fromEntries(Object.entries(n.values).filter(([, v]) => v !== ''));
        const attributes = flowunit === 'input' || flowunit === 'output' ? { type: flowunit, ...settings } : { type: 'flowunit', flowunit, device: 'cpu', ...settings };
        return { name: n.id, attributes, line: 0 };
      }),
      // ModelBox's input and output nodes are joined without a port (`input1 -> decode:in`).
      edges: g.edges.map((e) => ({
        from: { node: e.source, port: external(g, e.source) ? undefined : e.sourcePort },
        to: { node: e.target, port: external(g, e.target) ? undefined : e.targetPort },
        attributes: {},
        line: 0,
      })),
    },
  });
}

function external(g: ComposerGraph, id: string): boolean {
  const type = g.nodes.find((n) => n.id === id)?.type;
  return type === `${FLOWUNIT_PREFIX}input` || type === `${FLOWUNIT_PREFIX}output`;
}
