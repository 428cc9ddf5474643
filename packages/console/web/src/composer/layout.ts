/** Automatic layout of the composer's graph with elkjs (layered, left to right, ports kept in order). */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ComposerGraph } from './units';

const elk = new ELK();

export const NODE_WIDTH = 190;

export async function layoutGraph(g: ComposerGraph, heightOf: (id: string) => number): Promise<Map<string, { x: number; y: number }>> {
  const result = await elk.layout({
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '40', 'elk.layered.spacing.nodeNodeBetweenLayers': '70' },
    children: g.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: heightOf(n.id) })),
    edges: g.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return new Map((result.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
