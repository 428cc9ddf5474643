/**
 * The graph's checks, all reported together, each naming the unit and field: port types of every connection,
 * required inputs connected, one hard example mining per joint inference, every worker placed on a node that
 * exists, models and datasets that exist.
 */
import { unitDef, type ComposerGraph, type UnitDef } from './units.js';

export interface GraphProblem {
  node?: string;
  message: string;
}

export interface World {
  nodes: ReadonlySet<string>;
  models: ReadonlySet<string>;
  datasets: ReadonlySet<string>;
  flowunits?: ReadonlyMap<string, UnitDef>;
}

export function portType(def: UnitDef | undefined, side: 'in' | 'out', port: string): string | undefined {
  return (side === 'in' ? def?.inputs : def?.outputs)?.find((p) => p.name === port)?.type;
}

export function checkGraph(g: ComposerGraph, world: World): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(g.name)) problems.push({ message: `name: ${JSON.stringify(g.name)} must be a DNS label (lower case letters, digits, -)` });
  for (const e of g.edges) {
    const from = byId.get(e.source);
    const to = byId.get(e.target);
    const a = portType(unitDef(from?.type ?? '', world.flowunits), 'out', e.sourcePort);
    const b = portType(unitDef(to?.type ?? '', world.flowunits), 'in', e.targetPort);
    if (!a || !b) problems.push({ node: e.target, message: `connection ${e.source}:${e.sourcePort} -> ${e.target}:${e.targetPort}: no such port` });
    else if (a !== b && a !== 'any' && b !== 'any') problems.push({ node: e.target, message: `connection ${e.source}:${e.sourcePort} -> ${e.target}:${e.targetPort}: a ${a} output cannot feed a ${b} input` });
  }
  for (const n of g.nodes) {
    const def = unitDef(n.type, world.flowunits);
    if (!def) {
      problems.push({ node: n.id, message: `${n.id}: unknown unit ${n.type}` });
      continue;
    }
    for (const p of def.inputs) {
      if (p.required && !g.edges.some((e) => e.target === n.id && e.targetPort === p.name)) problems.push({ node: n.id, message: `${n.id}: input ${p.name} (${p.type}) is not connected` });
    }
    for (const f of def.fields) {
      const v = (n.values[f.name] ?? '').trim();
      if (f.required && !v) {
        problems.push({ node: n.id, message: `${n.id}: ${f.label} is required${f.refers === 'node' ? ' (every worker is placed on a node)' : ''}` });
        continue;
      }
      if (!v) continue;
      if (f.refers === 'node' && !world.nodes.has(v)) problems.push({ node: n.id, message: `${n.id}: node ${v} does not exist (nodes: ${[...world.nodes].join(', ') || 'none'})` });
      if (f.refers === 'model' && !world.models.has(v)) problems.push({ node: n.id, message: `${n.id}: Model ${v} does not exist in ${g.namespace}` });
      if (f.refers === 'dataset' && !world.datasets.has(v)) problems.push({ node: n.id, message: `${n.id}: Dataset ${v} does not exist in ${g.namespace}` });
    }
  }
  // Joint inference: exactly one hard example mining between each edge inference and the cloud.
  const hems = g.nodes.filter((n) => n.type === 'hard_example_mining');
  if (g.nodes.some((n) => n.type === 'cloud_inference') && hems.length !== 1) problems.push({ message: `joint inference needs exactly one hard example mining unit, the graph has ${hems.length}` });
  return problems;
}
