/**
 * `testenv.yaml` with Ianvs's names and defaults (core/testenvmanager): the dataset, the metrics, model_eval,
 * incremental_rounds (an integer >= 2, checked for every paradigm as Ianvs does), round, client_number. The
 * download fields of the simulation proposal (`dataset_url`, `dataset_path`) and ours (`sha256`, `format`,
 * `mirrors`) live in `dataset` too.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fields } from './fields.js';
import { resolveInput } from './paths.js';
import { readYamlRoot } from './yaml-file.js';

export interface MetricRef {
  name: string;
  /** Absolute path of the metric module, or undefined for a system metric. */
  url: string | undefined;
}

export const ARCHIVE_FORMATS = ['zip', 'tar.gz', 'idx-gz', 'dir'] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

export interface DownloadConfig {
  url: string;
  mirrors: string[];
  /** Folder the dataset ends up in (absolute). */
  path: string;
  sha256: string | undefined;
  format: ArchiveFormat | undefined;
}

export interface DatasetConfig {
  /** Absolute path of the train index (after download, inside `download.path` when relative). */
  trainIndex: string | undefined;
  testIndex: string | undefined;
  /** The raw values, to resolve against a downloaded folder. */
  trainIndexRaw: string | undefined;
  testIndexRaw: string | undefined;
  label: string;
  download: DownloadConfig | undefined;
}

export const OPERATORS = ['>', '<', '=', '>=', '<='] as const;
export type Operator = (typeof OPERATORS)[number];

export interface ModelEvalConfig {
  metric: { mode: string; name: string; url: string | undefined };
  threshold: number;
  operator: Operator;
}

export interface TestEnvConfig {
  file: string;
  dataset: DatasetConfig;
  metrics: MetricRef[];
  modelEval: ModelEvalConfig;
  incrementalRounds: number;
  round: number;
  clientNumber: number;
  useGpu: boolean;
  /** Other keys Ianvs forwards to the paradigm. */
  extra: Record<string, unknown>;
  warnings: string[];
}

/** Keys Ianvs examples put in testenv.yaml that are forwarded to paradigms as they are. */
const FORWARDED = ['backend', 'task_size', 'devices', 'hard_example_mining_mode', 'if_mode_llm', 'gpu_num'];

export function loadTestEnv(file: string, workspace: string): TestEnvConfig {
  const root = new Fields(file, 'testenv', readYamlRoot(file, 'testenv'));
  const warnings: string[] = [];
  const dataset = parseDataset(root.sub('dataset', true), file, workspace, warnings);
  const metrics = root.maps('metrics', true).map((m) => {
    const ref = { name: m.string('name'), url: m.has('url') ? resolveInput(m.string('url'), file) : (m.accept('url'), undefined) };
    m.finish();
    return ref;
  });
  if (metrics.length === 0) root.fail('metrics', 'needs at least one metric');
  const me = root.sub('model_eval');
  const mm = me.sub('model_metric');
  const modelEval: ModelEvalConfig = {
    metric: { mode: mm.string('mode', ''), name: mm.string('name', ''), url: mm.has('url') && mm.map.url !== '' ? resolveInput(mm.string('url'), file) : (mm.accept('url'), undefined) },
    threshold: me.number('threshold', 0.9),
    operator: me.oneOf('operator', OPERATORS, '>'),
  };
  mm.finish();
  me.finish();
  const incrementalRounds = root.number('incremental_rounds', 2, { integer: true, min: 2 });
  const round = root.number('round', 1, { integer: true, min: 1 });
  const clientNumber = root.number('client_number', 1, { integer: true, min: 1 });
  const useGpu = root.boolean('use_gpu', false);
  if (useGpu) root.fail('use_gpu', 'no GPU engine is available in this runner (TensorFlow.js wasm and ONNX Runtime CPU only); set it to false');
  const extra: Record<string, unknown> = {};
  for (const key of FORWARDED) if (root.has(key)) extra[key] = root.raw(key);
  root.accept(...FORWARDED);
  root.finish();
  return { file, dataset, metrics, modelEval, incrementalRounds, round, clientNumber, useGpu, extra, warnings };
}

function parseDataset(f: Fields, file: string, workspace: string, warnings: string[]): DatasetConfig {
  for (const unsupported of ['train_data', 'test_data', 'train_data_info', 'test_data_info']) {
    if (f.has(unsupported)) f.fail(unsupported, 'jsonl and metadata.json datasets (LLM examples) are not implemented by this runner; use train_index/test_index (txt index of images and labels)');
    f.accept(unsupported);
  }
  let trainIndexRaw = f.optionalString('train_index');
  let testIndexRaw = f.optionalString('test_index');
  const trainUrl = f.optionalString('train_url');
  const testUrl = f.optionalString('test_url');
  if (trainUrl !== undefined) {
    if (trainIndexRaw !== undefined) f.fail('train_url', 'give train_index or the deprecated train_url, not both');
    warnings.push(`${file}: testenv.dataset.train_url is deprecated (kubeedge/ianvs#567); use train_index`);
    trainIndexRaw = trainUrl;
  }
  if (testUrl !== undefined) {
    if (testIndexRaw !== undefined) f.fail('test_url', 'give test_index or the deprecated test_url, not both');
    warnings.push(`${file}: testenv.dataset.test_url is deprecated (kubeedge/ianvs#567); use test_index`);
    testIndexRaw = testUrl;
  }
  const label = f.string('label', '');
  const url = f.optionalString('dataset_url');
  let download: DownloadConfig | undefined;
  if (url !== undefined) {
    const mirrors = f.list('mirrors').map((m, i) => (typeof m === 'string' ? m : f.fail(`mirrors[${i}]`, 'must be a URL string')));
    const path = f.optionalString('dataset_path');
    const sha256 = f.optionalString('sha256');
    if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256)) f.fail('sha256', 'must be 64 hexadecimal digits');
    const format = f.has('format') ? (f.oneOf('format', ARCHIVE_FORMATS) as ArchiveFormat) : (f.accept('format'), undefined);
    download = {
      url,
      mirrors,
      // An output folder, so like Ianvs's workspace it is relative to the working directory.
      path: path === undefined ? defaultDatasetPath(url, workspace) : path.startsWith('file://') ? fileURLToPath(path) : resolve(path),
      sha256: sha256?.toLowerCase(),
      format,
    };
  } else {
    for (const needsUrl of ['dataset_path', 'sha256', 'format', 'mirrors']) if (f.has(needsUrl)) f.fail(needsUrl, 'only applies with dataset_url');
    f.accept('dataset_path', 'sha256', 'format', 'mirrors');
  }
  f.finish();
  if (trainIndexRaw === undefined && download === undefined) f.fail('train_index', 'is required (or dataset_url, which generates it)');
  const inDataset = (raw: string | undefined): string | undefined =>
    raw === undefined ? undefined : download && !raw.startsWith('/') && !raw.startsWith('file://') ? `${download.path}/${raw.replace(/^\.\//, '')}` : resolveInput(raw, file);
  return { trainIndex: inDataset(trainIndexRaw), testIndex: inDataset(testIndexRaw), trainIndexRaw, testIndexRaw, label, download };
}

/** The proposal's default: `<workspace>/../dataset/<basename of the url without the archive suffix>`. */
function defaultDatasetPath(url: string, workspace: string): string {
  const base = url.replace(/[?#].*$/, '').replace(/\/+$/, '').split('/').pop() || 'dataset';
  const name = base.replace(/\.(zip|tar\.gz|tgz|gz)$/i, '');
  return `${workspace}/../dataset/${name}`;
}
