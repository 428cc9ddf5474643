/**
 * Writes a ModelBox graph file (`[driver]`, `[flow]`, `[graph]` with a Graphviz `graphconf`) from a DotGraph: the
 * inverse of `parseGraphDocument`, so what the web console exports is read back by the flow runtime and ModelBox.
 */
import type { DotGraph } from './graphviz.js';

export interface GraphFileContent {
  readonly name: string;
  readonly description?: string;
  readonly driverDirs?: readonly string[];
  readonly queueSize?: number;
  readonly batchSize?: number;
  /** Written only when false (fusion is on by default). */
  readonly fuse?: boolean;
  readonly dot: DotGraph;
}

const BARE_ID = /^[A-Za-z_][\w]*$|^-?\d+(\.\d+)?$/;

/** A DOT id: bare when DOT allows it, else quoted (a quote inside escaped, as the parser reads it). */
function dotId(text: string): string {
  return BARE_ID.test(text) ? text : `"${text.replaceAll('"', '\\"')}"`;
}

function attributes(attrs: Readonly<Record<string, string>>): string {
  const entries = Object.entries(attrs);
  return entries.length === 0 ? '' : `[${entries.map(([k, v]) => `${dotId(k)}=${dotId(v)}`).join(', ')}]`;
}

function endpoint(e: { node: string; port: string | undefined }): string {
  return e.port === undefined ? dotId(e.node) : `${dotId(e.node)}:${dotId(e.port)}`;
}

export function writeDot(dot: DotGraph): string {
  const lines = [`digraph ${dotId(dot.name || 'graph')} {`];
  for (const [k, v] of Object.entries(dot.graphAttributes)) lines.push(`  ${dotId(k)}=${dotId(v)}`);
  for (const node of dot.nodes) lines.push(`  ${dotId(node.name)}${attributes(node.attributes)}`);
  for (const edge of dot.edges) lines.push(`  ${endpoint(edge.from)} -> ${endpoint(edge.to)}${attributes(edge.attributes)}`);
  lines.push('}');
  return lines.join('\n');
}

/** A TOML basic string (the only escapes a name or path needs). */
function tomlString(text: string): string {
  return JSON.stringify(text);
}

export function writeGraphToml(content: GraphFileContent): string {
  const conf = writeDot(content.dot);
  // A multi-line literal string keeps the DOT text as it is; it cannot hold ''' (DOT never needs it).
  if (conf.includes("'''")) throw new Error("the graph's DOT text holds ''' and cannot be written as a TOML literal string");
  const out = [
    '[driver]',
    `dir = [${(content.driverDirs ?? []).map(tomlString).join(', ')}]`,
    '',
    '[flow]',
    `name = ${tomlString(content.name)}`,
    `desc = ${tomlString(content.description ?? '')}`,
    '',
    '[graph]',
    'format = "graphviz"',
    ...(content.queueSize !== undefined ? [`queue_size = ${content.queueSize}`] : []),
    ...(content.batchSize !== undefined ? [`batch_size = ${content.batchSize}`] : []),
    ...(content.fuse === false ? ['fuse = false'] : []),
    `graphconf = '''${conf}\n'''`,
    '',
  ];
  return out.join('\n');
}
