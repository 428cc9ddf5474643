/**
 * The flow runtime (`@sedna/lib/flow`): graphs of functional units in ModelBox's format, run as Sedna workers.
 * See README.md.
 */
export * from './types.js';
export { parseDot } from './description/graphviz.js';
export type { DotEdge, DotEndpoint, DotGraph, DotNode } from './description/graphviz.js';
export { parseFlowunitToml } from './description/flowunit-toml.js';
export type { FlowunitFile } from './description/flowunit-toml.js';
export { DEFAULT_QUEUE_SIZE, parseGraphToml } from './description/graph-toml.js';
export type { GraphFile } from './description/graph-toml.js';
export { buildGraph, EXTERNAL_PORT, OUTPUT_PORT } from './graph/build.js';
export type { BuiltEdge, BuiltGraph, BuiltNode, UnitLookup } from './graph/build.js';
export { UnitRegistry } from './registry.js';
export { builtinRegistry, loadGraphFile, loadGraphText } from './load.js';
export type { LoadedGraph, LoadGraphOptions } from './load.js';
export { Flow } from './runtime/flow.js';
export { FlowInput } from './runtime/flow-input.js';
export type { FlowEvent, FlowOptions } from './runtime/flow.js';
export { FlowMetrics, UnitMetrics } from './runtime/metrics.js';
export type { QueueSnapshot, UnitMetricsSnapshot } from './runtime/metrics.js';
export { BoundedQueue } from './runtime/queue.js';
export { metaMerge } from './runtime/meta-merge.js';
export type { MergeMeta } from './runtime/meta-merge.js';
export { defineUnit } from './units/define.js';
export type { UnitDeclaration } from './units/define.js';
export type { Image } from './units/image/image-ops.js';
export type { InferenceRecord } from './units/inference/records.js';
export { FfmpegError, probeVideoSize, readFfmpegFrames } from '../video/ffmpeg-frames.js';
export type { FfmpegFramesOptions, RawFrame } from '../video/ffmpeg-frames.js';
