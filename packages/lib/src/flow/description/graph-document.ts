/**
 * The pure part of reading a ModelBox graph file: its sections as written (`[driver] dir` unresolved, the graphconf
 * parsed), with no file system and no `node:path`, so the web console's bundle reads graphs with the same code as
 * the flow runtime. `graph-toml.ts` resolves the paths for the runtime.
 */
import { FlowGraphError } from '../types.js';
import { parseTomlText } from './flowunit-toml.js';
import { parseDot, type DotGraph } from './graphviz.js';

export interface GraphDocument {
  /** `[flow] name`, else the digraph's name, else the file's base name. */
  readonly name: string;
  readonly description: string;
  /** `[driver] dir` as written (may hold `@APPLICATION_PATH@` and relative paths). */
  readonly driverDirs: readonly string[];
  readonly queueSize: number;
  readonly batchSize: number;
  /** `[graph] fuse` (default true): the scheduler may run chains of units as one node (runtime/fusion.ts). */
  readonly fuse: boolean;
  readonly dot: DotGraph;
}

export const DEFAULT_QUEUE_SIZE = 32;

const TOP_KEYS = new Set(['driver', 'profile', 'flow', 'graph', 'log']);
const GRAPH_KEYS = new Set(['format', 'graphconf', 'graphconffilepath', 'queue_size', 'batch_size', 'fuse']);

function positiveInteger(value: unknown, where: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new FlowGraphError(`${where} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function booleanKey(value: unknown, where: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new FlowGraphError(`${where} must be true or false, got ${JSON.stringify(value)}`);
}

function baseName(file: string): string {
  const last = file.split(/[\\/]/).pop() ?? file;
  return last.endsWith('.toml') ? last.slice(0, -'.toml'.length) : last;
}

/**
 * Parses a graph file's text. `readGraphconfFile` is asked for `[graph] graphconffilepath` (as written); without it
 * such a graph is refused with the reason.
 */
export function parseGraphDocument(text: string, file: string, readGraphconfFile?: (path: string) => string): GraphDocument {
  const doc = parseTomlText(text, file);
  for (const key of Object.keys(doc)) if (!TOP_KEYS.has(key)) throw new FlowGraphError(`${file}: [${key}]: unknown section (known: ${[...TOP_KEYS].join(', ')})`);
  const driver = (doc.driver ?? {}) as Record<string, unknown>;
  const rawDirs = driver.dir === undefined ? [] : Array.isArray(driver.dir) ? driver.dir : [driver.dir];
  const driverDirs = rawDirs.map((d, k) => {
    if (typeof d !== 'string') throw new FlowGraphError(`${file}: [driver] dir[${k}] must be a string`);
    return d;
  });
  const flow = (doc.flow ?? {}) as Record<string, unknown>;
  const graph = doc.graph as Record<string, unknown> | undefined;
  if (graph === undefined || typeof graph !== 'object') throw new FlowGraphError(`${file}: [graph] is missing`);
  for (const key of Object.keys(graph)) if (!GRAPH_KEYS.has(key)) throw new FlowGraphError(`${file}: [graph] ${key}: unknown key (known: ${[...GRAPH_KEYS].join(', ')})`);
  const format = graph.format ?? 'graphviz';
  if (format !== 'graphviz') throw new FlowGraphError(`${file}: [graph] format: ${JSON.stringify(format)} is not supported; write the graph as graphviz (format = "graphviz")`);
  let conf = graph.graphconf;
  if (conf === undefined && typeof graph.graphconffilepath === 'string') {
    if (!readGraphconfFile) throw new FlowGraphError(`${file}: [graph] graphconffilepath needs the graph to be read from a file`);
    conf = readGraphconfFile(graph.graphconffilepath);
  }
  if (typeof conf !== 'string' || conf.trim() === '') throw new FlowGraphError(`${file}: [graph] graphconf must hold the graph (digraph { ... })`);
  const dot = parseDot(conf, `${file}: [graph] graphconf`);
  return {
    name: typeof flow.name === 'string' && flow.name ? flow.name : dot.name || baseName(file),
    description: typeof flow.desc === 'string' ? flow.desc : '',
    driverDirs,
    queueSize: positiveInteger(graph.queue_size, `${file}: [graph] queue_size`, DEFAULT_QUEUE_SIZE),
    batchSize: positiveInteger(graph.batch_size, `${file}: [graph] batch_size`, 1),
    fuse: booleanKey(graph.fuse, `${file}: [graph] fuse`, true),
    dot,
  };
}
