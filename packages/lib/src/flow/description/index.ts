/**
 * The pure part of the flow runtime's file formats (no file system, no Node built-ins): ModelBox graph TOML with
 * its Graphviz graphconf, flowunit TOML, and the graph writer. `@sedna/lib/flow/description` is what the web
 * console's bundle imports; the runtime uses the same modules.
 */
export { parseGraphDocument, DEFAULT_QUEUE_SIZE, type GraphDocument } from './graph-document.js';
export { writeGraphToml, writeDot, type GraphFileContent } from './graph-writer.js';
export { parseDot, type DotGraph, type DotNode, type DotEdge, type DotEndpoint } from './graphviz.js';
export { parseFlowunitToml, type FlowunitFile } from './flowunit-toml.js';
export { FlowGraphError, PORT_TYPES, portTypeOf, type PortType, type PortSpec, type OptionSpec, type UnitDescription, type UnitKind } from '../types.js';
