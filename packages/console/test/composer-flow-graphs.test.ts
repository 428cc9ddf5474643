/**
 * The composer opens the flow examples' three graphs (examples/flow/*\/graph.toml) with the built-in units'
 * ports from the runtime's catalogue (or the composer's own unit of that name, as hard_example_mining), and what it exports is read back by the flow runtime as the same graph.
 * (The browser test, console.e2e.test.ts, opens the joint inference one through the page.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry, loadGraphText } from '@sedna/lib/flow';
import { exportGraphToml, importGraphToml } from '../web/src/modelbox/graphToml.js';
import { unitsFromCatalogue } from '../web/src/modelbox/flowunits.js';
import { UNITS, type UnitDef } from '../web/src/composer/units.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const known = new Map(unitsFromCatalogue(builtinRegistry().describe() as Parameters<typeof unitsFromCatalogue>[0]).map((u) => [u.type, u]));

/** A node's unit: a built-in flowunit from the catalogue, or one of the composer's own units of the same name. */
const defOf = (type: string | undefined): UnitDef | undefined => known.get(type ?? '') ?? UNITS.find((u) => u.type === type);

describe('the composer opens the flow examples\' graphs', () => {
  for (const [example, units, connections] of [
    ['incremental_learning', 7, 7],
    ['joint_inference', 9, 9],
    ['mnist_http', 6, 5],
  ] as const) {
    it(`${example}: every node a known unit with its ports, exported back to the same graph`, async () => {
      const file = join(repoRoot, 'examples/flow', example, 'graph.toml');
      const text = readFileSync(file, 'utf8');
      const { graph, inferred } = importGraphToml(text, file, known);
      expect(graph.nodes).toHaveLength(units);
      expect(graph.edges).toHaveLength(connections);
      // No unit had to be guessed from its edges: the catalogue declared them all, and every edge's ports exist.
      expect(inferred).toEqual([]);
      for (const e of graph.edges) {
        const from = defOf(graph.nodes.find((n) => n.id === e.source)?.type);
        const to = defOf(graph.nodes.find((n) => n.id === e.target)?.type);
        expect(from?.outputs.map((p) => p.name), `${e.source}:${e.sourcePort}`).toContain(e.sourcePort);
        expect(to?.inputs.map((p) => p.name), `${e.target}:${e.targetPort}`).toContain(e.targetPort);
      }
      // The runtime builds the exported file as it builds the example (same nodes, options and edges).
      const env = { MODEL_URL: 'm.onnx', HEM_NAME: 'CrossEntropy', HE_SAVED_URL: '/tmp/he', RESULTS_URL: '/tmp/r.txt', VIDEO_URL: 'v.mkv', INPUT_INDEX_URL: 'i.txt' };
      const original = (await loadGraphText(text, file, { env })).graph;
      const again = (await loadGraphText(exportGraphToml(graph), file, { env })).graph;
      expect(again.nodes.map((n) => [n.name, n.unit?.description.name, n.options, n.batchSize])).toEqual(original.nodes.map((n) => [n.name, n.unit?.description.name, n.options, n.batchSize]));
      expect(again.edges).toEqual(original.edges);
    });
  }
});
