/**
 * From a graph file to a graph ready to run: parses it, adds the units its `[driver] dir` folders describe (ModelBox
 * flowunit TOML: `type = "inference"` with an .onnx entry runs on our ONNX unit; `type = "javascript"` with
 * `entry = "file.js@export"` loads that export, a function `(context) => UnitInstance`), and checks it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Env } from '../common/config.js';
import { parseFlowunitToml, type FlowunitFile } from './description/flowunit-toml.js';
import { parseGraphToml } from './description/graph-toml.js';
import { buildGraph, type BuiltGraph } from './graph/build.js';
import { UnitRegistry } from './registry.js';
import { FlowGraphError, type UnitContext, type UnitDefinition, type UnitInstance } from './types.js';
import { builtinUnits } from './units/index.js';
import { onnxUnitFromDescription } from './units/inference/onnx-unit.js';

let builtins: UnitRegistry | undefined;

/** The built-in units (one registry, made once). */
export function builtinRegistry(): UnitRegistry {
  return (builtins ??= new UnitRegistry(builtinUnits()));
}

/** The flowunit TOML files in a folder: `<dir>/<unit>/<unit>.toml` (ModelBox's layout) and `<dir>/*.toml`. */
function flowunitFiles(dir: string): string[] {
  if (!existsSync(dir)) throw new FlowGraphError(`[driver] dir ${dir} does not exist`);
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      for (const inner of readdirSync(full).sort()) if (inner.endsWith('.toml')) files.push(path.join(full, inner));
    } else if (entry.endsWith('.toml')) files.push(full);
  }
  return files;
}

async function unitFromFile(f: FlowunitFile): Promise<UnitDefinition> {
  const d = f.description;
  if (f.type === 'inference') {
    if (!f.entry.toLowerCase().endsWith('.onnx')) throw new FlowGraphError(`${f.file}: inference unit ${d.name}: entry ${JSON.stringify(f.entry)} is not an .onnx model (${f.virtualType ?? 'its'} models run here after an export to ONNX)`);
    return onnxUnitFromDescription(d.name, d.description, path.resolve(f.dir, f.entry), d.inputs, d.outputs);
  }
  if (f.type === 'javascript' || f.type === 'typescript' || f.type === 'js') {
    const at = f.entry.lastIndexOf('@');
    const [file, exportName] = at > 0 ? [f.entry.slice(0, at), f.entry.slice(at + 1)] : [f.entry, 'default'];
    const module = (await import(pathToFileURL(path.resolve(f.dir, file)).href)) as Record<string, unknown>;
    const open = module[exportName];
    if (typeof open !== 'function') throw new FlowGraphError(`${f.file}: entry ${f.entry}: ${file} has no function export ${exportName}`);
    return { description: d, open: (context: UnitContext) => (open as (c: UnitContext) => UnitInstance | Promise<UnitInstance>)(context) };
  }
  throw new FlowGraphError(`${f.file}: unit ${d.name} is of type ${f.type}; units here are javascript (entry file.js@export) or inference (an .onnx entry)`);
}

export interface LoadGraphOptions {
  /** Defaults of unit options (MODEL_URL, HEM_NAME, ...); default process.env. */
  env?: Env;
  /** Units to use besides the built-ins and the graph's own. */
  units?: readonly UnitDefinition[];
  /** Node attributes set over the graph file's (`sedna flow run --set node.option=value`), by node. */
  attributes?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export interface LoadedGraph {
  readonly graph: BuiltGraph;
  readonly registry: UnitRegistry;
}

/** Parses a graph's text (as if read from `file`) and checks it. */
export async function loadGraphText(text: string, file: string, options: LoadGraphOptions = {}): Promise<LoadedGraph> {
  let parsed = parseGraphToml(text, file, (p) => readFileSync(p, 'utf8'));
  if (options.attributes) {
    const known = new Set(parsed.dot.nodes.map((n) => n.name));
    for (const node of options.attributes.keys()) if (!known.has(node)) throw new FlowGraphError(`${file}: cannot set options of node ${node}: the graph has no such node (its nodes: ${[...known].join(', ')})`);
    const nodes = parsed.dot.nodes.map((n) => ({ ...n, attributes: { ...n.attributes, ...(options.attributes?.get(n.name) ?? {}) } }));
    parsed = { ...parsed, dot: { ...parsed.dot, nodes } };
  }
  const registry = builtinRegistry().clone();
  for (const unit of options.units ?? []) registry.register(unit);
  for (const dir of parsed.driverDirs) {
    for (const file of flowunitFiles(dir)) {
      const described = parseFlowunitToml(readFileSync(file, 'utf8'), file, path.dirname(file));
      if (registry.get(described.description.name)) throw new FlowGraphError(`${file}: unit ${described.description.name} is already defined (a built-in or another file)`);
      registry.register(await unitFromFile(described));
    }
  }
  return { graph: buildGraph(parsed, registry, options.env ?? process.env), registry };
}

export async function loadGraphFile(file: string, options: LoadGraphOptions = {}): Promise<LoadedGraph> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FlowGraphError(`cannot read the graph ${file}: ${(error as Error).message}`);
  }
  return loadGraphText(text, path.resolve(file), options);
}
