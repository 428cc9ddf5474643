/**
 * The parts of onnx.proto an exported model needs, as plain objects, and their encoders. Field numbers are
 * those of onnx.proto (ONNX IR version 7, which opset 13 belongs to).
 */
import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
export type DataTypeValue = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export type AttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'ints'; value: readonly number[] };

export interface NodeDef {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface InitializerDef {
  name: string;
  dims: readonly number[];
  dataType: DataTypeValue;
  /** Float32Array for FLOAT, BigInt64Array for INT64. */
  data: Float32Array | BigInt64Array;
}

/** A dimension: a fixed size, or a symbolic name (a dynamic batch). */
export type Dim = number | string;

export interface ValueInfoDef {
  name: string;
  elemType: DataTypeValue;
  shape: readonly Dim[];
}

export interface GraphDef {
  name: string;
  nodes: readonly NodeDef[];
  initializers: readonly InitializerDef[];
  inputs: readonly ValueInfoDef[];
  outputs: readonly ValueInfoDef[];
  docString?: string;
}

export interface ModelDef {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graph: GraphDef;
}

function writeAttribute(w: ProtoWriter, name: string, attr: AttributeValue): void {
  // AttributeProto: name=1, f=2, i=3, s=4, floats=7, ints=8, type=20
  w.string(1, name);
  switch (attr.kind) {
    case 'float':
      w.float(2, attr.value).varint(20, AttributeType.FLOAT);
      break;
    case 'int':
      w.varint(3, attr.value).varint(20, AttributeType.INT);
      break;
    case 'string':
      w.bytes(4, new TextEncoder().encode(attr.value)).varint(20, AttributeType.STRING);
      break;
    case 'floats':
      w.packedFloats(7, attr.value).varint(20, AttributeType.FLOATS);
      break;
    case 'ints':
      w.packedVarints(8, attr.value).varint(20, AttributeType.INTS);
      break;
  }
}

function writeNode(w: ProtoWriter, node: NodeDef): void {
  // NodeProto: input=1, output=2, name=3, op_type=4, attribute=5
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(3, node.name).string(4, node.opType);
  for (const [name, attr] of Object.entries(node.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, attr));
}

function writeTensor(w: ProtoWriter, t: InitializerDef): void {
  // TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian, which typed arrays are on x86/ARM)
  w.packedVarints(1, t.dims).varint(2, t.dataType).string(8, t.name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoDef): void {
  // ValueInfoProto: name=1, type=2; TypeProto: tensor_type=1; TypeProto.Tensor: elem_type=1, shape=2;
  // TensorShapeProto: dim=1; Dimension: dim_value=1, dim_param=2
  w.string(1, v.name).message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.varint(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function writeGraph(w: ProtoWriter, g: GraphDef): void {
  // GraphProto: node=1, name=2, initializer=5, doc_string=10, input=11, output=12
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  if (g.docString) w.string(10, g.docString);
  for (const i of g.inputs) w.message(11, (m) => writeValueInfo(m, i));
  for (const o of g.outputs) w.message(12, (m) => writeValueInfo(m, o));
}

/** Serialises a model to the bytes of an .onnx file. */
export function encodeModel(model: ModelDef): Uint8Array {
  // ModelProto: ir_version=1, producer_name=2, producer_version=3, graph=7, opset_import=8
  // OperatorSetIdProto: domain=1 (empty: the default ai.onnx domain), version=2
  const w = new ProtoWriter();
  w.varint(1, model.irVersion).string(2, model.producerName).string(3, model.producerVersion);
  w.message(7, (g) => writeGraph(g, model.graph));
  w.message(8, (op) => op.string(1, '').varint(2, model.opsetVersion));
  return w.finish();
}
