/** A unit on the canvas: its label and id, its input ports on the left and outputs on the right, typed. */
import '@xyflow/react/dist/style.css';
import { Handle, Position, type NodeProps, type Node } from '@xyflow/react';
import type { UnitDef } from './units';

export interface UnitNodeData extends Record<string, unknown> {
  def: UnitDef;
  id: string;
  /** A line under the label: the node it is placed on, a live state. */
  detail?: string;
  invalid?: boolean;
  status?: string;
}

export type UnitFlowNode = Node<UnitNodeData, 'unit'>;

export const PORT_SPACING = 20;
/** Room for the label, the id and node, and a live state line above the ports. */
export const HEADER = 58;

export function unitHeight(def: UnitDef): number {
  return HEADER + Math.max(def.inputs.length, def.outputs.length, 1) * PORT_SPACING + 8;
}

export function UnitNode({ data, selected }: NodeProps<UnitFlowNode>) {
  const { def } = data;
  return (
    <div className={`unit-node${selected ? ' selected' : ''}${data.invalid ? ' invalid' : ''}`} style={{ height: unitHeight(def) }} data-testid={`unit-${data.id}`}>
      <div style={{ fontWeight: 600 }}>{def.label}</div>
      <div style={{ color: '#666' }}>
        {data.id}
        {data.detail ? ` · ${data.detail}` : ''}
      </div>
      {data.status && <div data-testid={`unit-status-${data.id}`} style={{ color: /Running/.test(data.status) ? '#2f9e44' : /Fail|Error/.test(data.status) ? '#e03131' : '#e8590c' }}>{data.status}</div>}
      {def.inputs.map((p, i) => (
        <div key={`in-${p.name}`}>
          <Handle type="target" position={Position.Left} id={p.name} style={{ top: HEADER + i * PORT_SPACING + 10 }} />
          <span className="port-label" style={{ position: 'absolute', left: 8, top: HEADER + i * PORT_SPACING + 3 }}>{p.name}: {p.type}</span>
        </div>
      ))}
      {def.outputs.map((p, i) => (
        <div key={`out-${p.name}`}>
          <Handle type="source" position={Position.Right} id={p.name} style={{ top: HEADER + i * PORT_SPACING + 10 }} />
          <span className="port-label" style={{ position: 'absolute', right: 8, top: HEADER + i * PORT_SPACING + 3 }}>{p.name}</span>
        </div>
      ))}
    </div>
  );
}
