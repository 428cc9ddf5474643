/**
 * ModelBox graph files: `[driver] dir` (folders of flowunit descriptions), `[profile]`, `[flow] name, desc`,
 * `[graph] format = "graphviz", graphconf = """digraph {...}""", queue_size, batch_size`. The JSON graph format
 * of ModelBox is refused with a clear error (nobody writes it by hand; the console exports graphviz). The parsing
 * itself is `graph-document.ts` (pure, shared with the web console); this resolves the paths.
 */
import path from 'node:path';
import { DEFAULT_QUEUE_SIZE, parseGraphDocument } from './graph-document.js';
import type { DotGraph } from './graphviz.js';

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
  /** `[graph] fuse` (default true): chains of units may run as one node. */
  readonly fuse: boolean;
  readonly dot: DotGraph;
}

export { DEFAULT_QUEUE_SIZE };

/**
 * `@APPLICATION_PATH@` (a ModelBox project's `src/` folder) becomes the graph folder's parent, so a project laid
 * out as ModelBox's (`src/graph/x.toml`, `src/flowunit/...`) finds its units.
 */
function resolveDriverDir(dir: string, baseDir: string): string {
  const expanded = dir.replaceAll('@APPLICATION_PATH@', path.dirname(baseDir));
  return path.resolve(baseDir, expanded);
}

export function parseGraphToml(text: string, file: string, readFile?: (p: string) => string): GraphFile {
  const baseDir = path.dirname(path.resolve(file));
  const doc = parseGraphDocument(text, file, readFile ? (confPath) => readFile(path.resolve(baseDir, confPath)) : undefined);
  return { ...doc, file, baseDir, driverDirs: doc.driverDirs.map((d) => resolveDriverDir(d, baseDir)) };
}
