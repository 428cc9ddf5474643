export { ProtoWriter } from './protobuf.js';
export { DataType, encodeModel } from './onnx-proto.js';
export type { AttributeValue, DataTypeValue, Dim, GraphDef, InitializerDef, ModelDef, NodeDef, ValueInfoDef } from './onnx-proto.js';
export { ONNX_IR_VERSION, ONNX_OPSET, exportToOnnx, saveOnnx } from './export.js';
export type { ExportableEstimator, ExportableModel, OnnxExportOptions } from './export.js';
export { exportLayersModelToOnnx } from './from-tfjs.js';
