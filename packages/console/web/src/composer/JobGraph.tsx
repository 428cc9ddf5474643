/** A job drawn as its graph of units (read only), each worker with the live state of its pod. */
import { Text } from '@mantine/core';
import { ReactFlow } from '@xyflow/react';
import { useEffect, useState } from 'react';
import type { KubeObject } from '../api/types';
import { podState } from '../common/status';
import { decompile } from './decompile';
import { layoutGraph } from './layout';
import { UnitNode, unitHeight, type UnitFlowNode } from './UnitNode';
import { unitDef } from './units';

const nodeTypes = { unit: UnitNode };

/**
 * The pod of a unit: Sedna names workers `<job>-<type>-<hash>` (train, eval, deploy/infer, edge, cloud, and the
 * multi-edge ones: videoanalytics, fe, reid, reidworker, trackingworker-<i>, userworker).
 */
const WORKER_WORDS: Record<string, RegExp> = {
  edge: /-edge-/, cloud: /-cloud-/, train: /-train-/, eval: /-eval-/, deploy: /-(deploy|infer)-/, aggregator: /-aggregation-/,
  videoanalytics: /-videoanalytics-/, fe: /-fe-/, reid: /-reid-/, reidworker: /-reidworker-/, userworker: /-userworker-/,
};

function podFor(id: string, pods: KubeObject[]): KubeObject | undefined {
  const word = WORKER_WORDS[id] ?? (id.startsWith('trainer-') ? /-training-/ : id.startsWith('trackingworker-') ? new RegExp(`-${id}-`) : undefined);
  return word ? pods.find((p) => word.test(p.metadata.name)) : undefined;
}

export function JobGraph({ kind, object, pods }: { kind: string; object: KubeObject; pods: KubeObject[] }) {
  const graph = decompile(kind, object);
  const [positions, setPositions] = useState(new Map<string, { x: number; y: number }>());
  const shape = graph ? graph.nodes.map((n) => n.id).join(',') : '';
  useEffect(() => {
    if (!graph) return;
    void layoutGraph(graph, (id) => unitHeight(unitDef(graph.nodes.find((n) => n.id === id)!.type)!)).then(setPositions);
    // Laid out again only when the units change.
  }, [shape]);
  if (!graph) return <Text size="sm" c="dimmed">The composer does not draw a {kind} yet.</Text>;
  const nodes: UnitFlowNode[] = graph.nodes.map((n) => {
    const pod = podFor(n.id, pods);
    const state = pod ? podState(pod) : undefined;
    return {
      id: n.id,
      type: 'unit',
      position: positions.get(n.id) ?? { x: 0, y: 0 },
      draggable: false,
      data: { def: unitDef(n.type)!, id: n.id, ...(n.values['node'] ? { detail: n.values['node'] } : n.values['model'] ? { detail: n.values['model'] } : n.values['dataset'] ? { detail: n.values['dataset'] } : {}), ...(state ? { status: state.reason ?? state.phase } : {}) },
    };
  });
  const edges = graph.edges.map((e) => ({ id: e.id, source: e.source, sourceHandle: e.sourcePort, target: e.target, targetHandle: e.targetPort }));
  return (
    <div style={{ height: 300 }} data-testid="job-graph">
      {positions.size > 0 && <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView nodesConnectable={false} />}
    </div>
  );
}
