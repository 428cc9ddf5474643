/**
 * ModelBox graph files: `[driver] dir` (folders of flowunit descriptions), `[profile]`, `[flow] name, desc`,
 * `[graph] format = "graphviz", graphconf = """digraph {...}""", queue_size, batch_size`. The JSON graph format
 * of ModelBox is refused with a clear error (nobody writes it by hand; the console exports graphviz).
 */
import path from 'node:path';
import { FlowGraphError } from '../types.js';
import { parseTomlText } from './flowunit-toml.js';
import { parseDot, type DotGraph } from './graphviz.js';

export interface GraphFile {
  readonly file: string;
  /** The graph file's folder: relative paths resolve against it. */
  readonly baseDir: string;
  readonly name: string;
  readonly description: string;
  /** Folders of flowunit descriptions, resolved. */
  readonly driverDirs: readonly string[];
  /** Default queue capacity between units (`[graph] queue_size`, default 32). */
  readonly queueSize: number;
  /** Default batch size (`[graph] batch_size`, default 1). */
  readonly batchSize: number;
  readonly dot: DotGraph;
}

export const DEFAULT_QUEUE_SIZE = 32;

const TOP_KEYS = new Set(['driver', 'profile', 'flow', 'graph', 'log']);
const GRAPH_KEYS = new Set(['format', 'graphconf', 'graphconffilepath', 'queue_size', 'batch_size']);

function positiveInteger(value: unknown, where: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new FlowGraphError(`${where} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * `@APPLICATION_PATH@` (a ModelBox project's `src/` folder) becomes the graph folder's parent, so a project laid
 * out as ModelBox's (`src/graph/x.toml`, `src/flowunit/...`) finds its units.
 */
function resolveDriverDir(dir: string, baseDir: string): string {
  const expanded = dir.replaceAll('@APPLICATION_PATH@', path.dirname(baseDir));
  return path.resolve(baseDir, expanded);
}

export function parseGraphToml(text: string, file: string, readFile?: (p: string) => string): GraphFile {
  const doc = parseTomlText(text, file);
  for (const key of Object.keys(doc)) if (!TOP_KEYS.has(key)) throw new FlowGraphError(`${file}: [${key}]: unknown section (known: ${[...TOP_KEYS].join(', ')})`);
  const baseDir = path.dirname(path.resolve(file));
  const driver = (doc.driver ?? {}) as Record<string, unknown>;
  const rawDirs = driver.dir === undefined ? [] : Array.isArray(driver.dir) ? driver.dir : [driver.dir];
  const driverDirs = rawDirs.map((d, k) => {
    if (typeof d !== 'string') throw new FlowGraphError(`${file}: [driver] dir[${k}] must be a string`);
    return resolveDriverDir(d, baseDir);
  });
  const flow = (doc.flow ?? {}) as Record<string, unknown>;
  const graph = doc.graph as Record<string, unknown> | undefined;
  if (graph === undefined || typeof graph !== 'object') throw new FlowGraphError(`${file}: [graph] is missing`);
  for (const key of Object.keys(graph)) if (!GRAPH_KEYS.has(key)) throw new FlowGraphError(`${file}: [graph] ${key}: unknown key (known: ${[...GRAPH_KEYS].join(', ')})`);
  const format = graph.format ?? 'graphviz';
  if (format !== 'graphviz') throw new FlowGraphError(`${file}: [graph] format: ${JSON.stringify(format)} is not supported; write the graph as graphviz (format = "graphviz")`);
  let conf = graph.graphconf;
  if (conf === undefined && typeof graph.graphconffilepath === 'string') {
    const confFile = path.resolve(baseDir, graph.graphconffilepath);
    if (!readFile) throw new FlowGraphError(`${file}: [graph] graphconffilepath needs the graph to be read from a file`);
    conf = readFile(confFile);
  }
  if (typeof conf !== 'string' || conf.trim() === '') throw new FlowGraphError(`${file}: [graph] graphconf must hold the graph (digraph { ... })`);
  const dot = parseDot(conf, `${file}: [graph] graphconf`);
  return {
    file,
    baseDir,
    name: typeof flow.name === 'string' && flow.name ? flow.name : dot.name || path.basename(file, '.toml'),
    description: typeof flow.desc === 'string' ? flow.desc : '',
    driverDirs,
    queueSize: positiveInteger(graph.queue_size, `${file}: [graph] queue_size`, DEFAULT_QUEUE_SIZE),
    batchSize: positiveInteger(graph.batch_size, `${file}: [graph] batch_size`, 1),
    dot,
  };
}
