/**
 * The algorithm YAML (core/testcasecontroller/algorithm): `paradigm_type`, the paradigm's data setting,
 * `initial_model_url` and `modules[{type, name, url, hyperparameters[{<name>: {values: [...]}}]}]`.
 */
import { Fields } from './fields.js';
import { resolveInput } from './paths.js';
import { readYamlRoot } from './yaml-file.js';

export const PARADIGMS = ['singletasklearning', 'incrementallearning', 'jointinference', 'federatedlearning', 'lifelonglearning'] as const;
export type ParadigmType = (typeof PARADIGMS)[number];

/** Ianvs's ModuleType values. */
export const MODULE_TYPES = [
  'basemodel', 'edgemodel', 'cloudmodel', 'dataset_processor', 'hard_example_mining', 'task_definition',
  'task_relationship_discovery', 'task_allocation', 'task_remodeling', 'inference_integrate', 'task_update_decision',
  'unseen_task_allocation', 'unseen_sample_recognition', 'unseen_sample_re_recognition', 'aggregation',
] as const;
export type ModuleType = (typeof MODULE_TYPES)[number];

export type HyperValue = string | number | boolean | null | HyperValue[] | { [k: string]: HyperValue };

export interface ModuleConfig {
  type: ModuleType;
  name: string;
  /** Absolute path of the module file; undefined for a class the lib registers itself (FedAvg, IBT, ...). */
  url: string | undefined;
  /** Each hyperparameter with its candidate values, in file order. */
  hyperparameters: { name: string; values: HyperValue[] }[];
}

export interface DataSetting {
  trainRatio: number;
  splittingMethod: string;
}

export interface FlDataSetting extends DataSetting {
  dataPartition: 'iid' | 'non-iid';
  nonIidRatio: number;
  labelDataRatio: number;
}

export interface AlgorithmConfig {
  file: string;
  name: string;
  paradigm: ParadigmType;
  incrementalSetting: DataSetting;
  lifelongSetting: DataSetting;
  flSetting: FlDataSetting;
  initialModelUrl: string;
  modules: ModuleConfig[];
}

const SPLITTING = ['default'];

export function loadAlgorithm(file: string, name: string): AlgorithmConfig {
  const root = new Fields(file, 'algorithm', readYamlRoot(file, 'algorithm'));
  const raw = root.map.paradigm_type;
  if (raw === 'multiedgeinference' || raw === 'federatedclassincrementallearning') root.fail('paradigm_type', `"${raw}" is an Ianvs paradigm this runner does not implement (implemented: ${PARADIGMS.join(', ')})`);
  const paradigm = root.oneOf('paradigm_type', PARADIGMS);
  if (root.list('third_party_packages').length > 0) root.fail('third_party_packages', 'Python packages cannot be loaded by this runner; import what a module needs from the module file itself');
  const readSetting = (s: Fields, trainRatio: number): DataSetting => ({
    trainRatio: s.number('train_ratio', trainRatio, { min: 0, max: 1 }),
    splittingMethod: s.oneOf('splitting_method', SPLITTING, 'default'),
  });
  const inc = root.sub('incremental_learning_data_setting');
  const incrementalSetting = readSetting(inc, 0.8);
  inc.finish();
  const ll = root.sub('lifelong_learning_data_setting');
  const lifelongSetting = readSetting(ll, 0.8);
  ll.finish();
  const fl = root.sub('fl_data_setting');
  const flSetting: FlDataSetting = {
    ...readSetting(fl, 1),
    dataPartition: fl.oneOf('data_partition', ['iid', 'non-iid'] as const, 'iid'),
    nonIidRatio: fl.number('non_iid_ratio', 0.6, { min: 0, max: 1 }),
    labelDataRatio: fl.number('label_data_ratio', 1, { min: 0, max: 1 }),
  };
  fl.finish();
  const initial = root.string('initial_model_url', '');
  const initialModelUrl = initial === '' ? '' : resolveInput(initial, file);
  for (const llmOnly of ['mode', 'quantization_type', 'llama_quantize_path']) {
    const v = root.raw(llmOnly);
    if (v !== undefined && v !== null && v !== '') root.fail(llmOnly, 'single-task compression of .gguf models is not implemented by this runner');
  }
  const modules = root.maps('modules', true).map((m) => parseModule(m, file));
  if (modules.length === 0) root.fail('modules', 'needs at least one module');
  const seen = new Set<string>();
  modules.forEach((m, i) => {
    if (seen.has(m.type)) root.fail(`modules[${i}].type`, `"${m.type}" appears twice; a paradigm takes one module of each type`);
    seen.add(m.type);
  });
  root.finish();
  return { file, name, paradigm, incrementalSetting, lifelongSetting, flSetting, initialModelUrl, modules };
}

function parseModule(m: Fields, file: string): ModuleConfig {
  const type = m.oneOf('type', MODULE_TYPES);
  const name = m.string('name');
  const url = m.has('url') ? resolveInput(m.string('url'), file) : (m.accept('url'), undefined);
  const hyperparameters = m.list('hyperparameters').map((item, i) => {
    const field = `hyperparameters[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.keys(item).length !== 1) {
      m.fail(field, 'must be a single-key mapping { <name>: { values: [...] } }');
    }
    const [hp, spec] = Object.entries(item as Record<string, unknown>)[0] as [string, unknown];
    if (hp === 'other_hyperparameters') m.fail(`${field}.other_hyperparameters`, 'hyperparameter files are not implemented by this runner; list the values inline');
    const sub = new Fields(m.file, m.name(`${field}.${hp}`), typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? (spec as Record<string, unknown>) : m.fail(`${field}.${hp}`, 'must be a mapping with "values"'));
    const values = sub.list('values', true) as HyperValue[];
    if (values.length === 0) sub.fail('values', 'needs at least one value');
    sub.finish();
    return { name: hp, values };
  });
  m.finish();
  return { type, name, url, hyperparameters };
}
