/** `benchmarkingjob.yaml` with Ianvs's field names and defaults (core/cmd/obj/benchmarkingjob.py, storymanager/rank). */
import { resolve } from 'node:path';
import { Fields } from './fields.js';
import { resolveInput } from './paths.js';
import { readYamlRoot } from './yaml-file.js';

export const SAVE_MODES = ['selected_and_all', 'selected_only', 'selected_and_all_and_picture'] as const;
export type SaveMode = (typeof SAVE_MODES)[number];

export interface SortKey {
  metric: string;
  ascend: boolean;
}

export interface RankConfig {
  sortBy: SortKey[];
  visualization: { mode: string; method: string };
  selected: { paradigms: string[]; modules: string[]; hyperparameters: string[]; metrics: string[] };
  saveMode: SaveMode;
}

export interface LinkConfig {
  /** 1-based edge node number, or 'all'. */
  edge: number | 'all';
  latencyMs: number;
  jitterMs: number;
  bandwidthMbps: number;
  lossPercent: number;
}

export interface SimulationConfig {
  cloudNumber: number;
  edgeNumber: number;
  clusterName: string;
  kubeedgeVersion: string;
  sednaVersion: string;
  links: LinkConfig[];
}

export interface AlgorithmRef {
  name: string;
  /** Absolute path of the algorithm YAML. */
  url: string;
}

export interface BenchmarkingJobConfig {
  file: string;
  name: string;
  /** `<workspace>/<name>`, absolute. */
  outputDir: string;
  testenv: string;
  algorithms: AlgorithmRef[];
  rank: RankConfig;
  simulation: SimulationConfig | undefined;
}

export function loadBenchmarkingJob(file: string): BenchmarkingJobConfig {
  const root = new Fields(file, 'benchmarkingjob', readYamlRoot(file, 'benchmarkingjob'));
  const name = root.string('name');
  if (!/^[\w.-]+$/.test(name)) root.fail('name', `must be a plain file name (letters, digits, . _ -), got "${name}"`);
  const workspace = root.string('workspace', './workspace');
  const testenv = resolveInput(root.string('testenv'), file);
  const testObject = root.sub('test_object', true);
  testObject.oneOf('type', ['algorithms']);
  const algorithms = testObject.maps('algorithms', true).map((a) => {
    const ref = { name: a.string('name'), url: resolveInput(a.string('url'), file) };
    a.finish();
    return ref;
  });
  if (algorithms.length === 0) testObject.fail('algorithms', 'needs at least one algorithm');
  testObject.finish();
  const rank = parseRank(root.sub('rank'));
  const simulation = root.has('simulation') ? parseSimulation(root.sub('simulation')) : (root.accept('simulation'), undefined);
  root.finish();
  return { file, name, outputDir: resolve(workspace, name), testenv, algorithms, rank, simulation };
}

function stringList(f: Fields, field: string): string[] {
  const list = f.list(field);
  if (list.length === 0) return ['all'];
  return list.map((v, i) => {
    if (typeof v !== 'string') f.fail(`${field}[${i}]`, 'must be a string');
    return v;
  });
}

function parseRank(f: Fields): RankConfig {
  const sortBy = f.list('sort_by').map((item, i): SortKey => {
    if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.keys(item).length !== 1) {
      f.fail(`sort_by[${i}]`, 'must be a single-key mapping { <metric>: "ascend" | "descend" }');
    }
    const [metric, order] = Object.entries(item as Record<string, unknown>)[0] as [string, unknown];
    if (order !== 'ascend' && order !== 'descend') f.fail(`sort_by[${i}].${metric}`, `must be "ascend" or "descend", got ${JSON.stringify(order)}`);
    return { metric, ascend: order === 'ascend' };
  });
  const vis = f.sub('visualization');
  const visualization = { mode: vis.string('mode', 'selected_only'), method: vis.oneOf('method', ['print_table'], 'print_table') };
  vis.finish();
  const sel = f.sub('selected_dataitem');
  const selected = {
    paradigms: stringList(sel, 'paradigms'),
    modules: stringList(sel, 'modules'),
    hyperparameters: stringList(sel, 'hyperparameters'),
    metrics: stringList(sel, 'metrics'),
  };
  sel.finish();
  const saveMode = f.oneOf('save_mode', SAVE_MODES, 'selected_and_all');
  f.finish();
  return { sortBy, visualization, selected, saveMode };
}

function parseSimulation(f: Fields): SimulationConfig {
  const cloudNumber = f.number('cloud_number', 1, { integer: true, min: 1, max: 8 });
  const edgeNumber = f.number('edge_number', 1, { integer: true, min: 0, max: 32 });
  const clusterName = f.string('cluster_name', 'ianvs-simulation');
  const kubeedgeVersion = f.string('kubeedge_version', '');
  const sednaVersion = f.string('sedna_version', '');
  const links = f.maps('links').map((l): LinkConfig => {
    const edgeRaw = l.raw('edge');
    const isEdge = typeof edgeRaw === 'number' && Number.isInteger(edgeRaw) && edgeRaw >= 1 && edgeRaw <= edgeNumber;
    if (!(edgeRaw === undefined || edgeRaw === 'all' || isEdge)) l.fail('edge', `must be "all" or an edge number 1..${edgeNumber}, got ${JSON.stringify(edgeRaw)}`);
    const edge: number | 'all' = isEdge ? (edgeRaw as number) : 'all';
    const link = {
      edge,
      latencyMs: l.number('latency_ms', 0, { min: 0 }),
      jitterMs: l.number('jitter_ms', 0, { min: 0 }),
      bandwidthMbps: l.number('bandwidth_mbps', 0, { min: 0 }),
      lossPercent: l.number('loss_percent', 0, { min: 0, max: 100 }),
    };
    l.finish();
    return link;
  });
  f.finish();
  return { cloudNumber, edgeNumber, clusterName, kubeedgeVersion, sednaVersion, links };
}
