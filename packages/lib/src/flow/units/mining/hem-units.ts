/**
 * Hard example mining as condition units: each item goes out on `hard` or on `easy`. One unit per algorithm of the
 * lib (hem_threshold, hem_ibt, hem_cross_entropy, hem_random, hem_edge_only, hem_cloud_only), with the algorithm's
 * parameters as options, and `hard_example_mining`, which takes the algorithm from HEM_NAME and HEM_PARAMETERS as
 * a Sedna job gives them (or from its `name` and `parameters` options).
 */
import { createHardExampleMining, registerHardExampleMining, type HardExampleMining } from '../../../algorithms/hard_example_mining/index.js';
import { parseKeyValueList } from '../../../common/config.js';
import type { ParamValue } from '../../../common/parameters.js';
import { sampleOf } from '../../../core/joint_inference/joint-inference.js';
import { probabilities } from '../../../core/incremental_learning/incremental-learning.js';
import type { OptionSpec, UnitContext, UnitDefinition, UnitInput, UnitInstance, UnitOutput } from '../../types.js';
import { defineUnit, option } from '../define.js';
import { requireRecord, type InferenceRecord } from '../inference/records.js';
import { WORKER_ENV } from '@sedna/api/contracts';

/** Detectors' algorithms judge boxes; the others judge class probabilities. */
const BOX_ALGORITHMS = new Set(['Threshold', 'IBT']);

function miningInput(algorithm: string): (record: InferenceRecord) => unknown {
  return BOX_ALGORITHMS.has(algorithm) ? (r) => sampleOf(r.output) : (r) => probabilities(r.output);
}

/** The metas of the two outputs, one object each for every item (the scheduler copies them into each item's meta). */
const HARD_META = Object.freeze({ hard: true });
const EASY_META = Object.freeze({ hard: false });

/**
 * The record with its verdict: the same fields in the same order as `{ ...record, hard }`, written out for the
 * records onnx_inference makes (a spread of an object costs more than a literal, and this runs for every item).
 */
function judged(record: InferenceRecord, hard: boolean): InferenceRecord {
  if (record.edgeOutput !== undefined || record.hard !== undefined) return { ...record, hard };
  const { input, output, answeredBy, modelVersion } = record;
  return modelVersion === undefined ? { input, output, answeredBy, hard } : { input, output, answeredBy, modelVersion, hard };
}

function conditionInstance(hem: HardExampleMining): UnitInstance {
  const judge = miningInput(hem.name);
  const one = (input: UnitInput): UnitOutput => {
    const record = requireRecord(input.ports.in_inference, 'in_inference');
    const hard = hem.isHard(judge(record));
    const out = judged(record, hard);
    return hard ? { ports: { hard: out }, meta: HARD_META } : { ports: { easy: out }, meta: EASY_META };
  };
  return {
    process: (batch) => {
      const outs = new Array<UnitOutput>(batch.length);
      for (let k = 0; k < batch.length; k++) outs[k] = one(batch[k] as UnitInput);
      return outs;
    },
    processOne: one,
  };
}

const PORTS = { inputs: [['in_inference', 'inference']] as const, outputs: [['hard', 'inference'], ['easy', 'inference']] as const };

function algorithmUnit(unit: string, algorithm: string, options: OptionSpec[]): UnitDefinition {
  return defineUnit({
    name: unit,
    kind: 'condition',
    ignoresMeta: true,
    description: `Hard example mining "${algorithm}": hard items out on hard, the others on easy`,
    ...PORTS,
    options,
    open(context) {
      registerHardExampleMining();
      const param: Record<string, ParamValue> = {};
      for (const o of options) param[o.name] = context.options[o.name] as ParamValue;
      return conditionInstance(createHardExampleMining({ method: algorithm, param }));
    },
  });
}

const threshold = (name: string, description: string): OptionSpec => ({ name, type: 'number', description, default: 0.5 });

const fromEnvironment = defineUnit({
  name: 'hard_example_mining',
  kind: 'condition',
  ignoresMeta: true,
  description: 'Hard example mining chosen by name (HEM_NAME, HEM_PARAMETERS of the job): hard items out on hard, the others on easy',
  ...PORTS,
  options: [
    { name: 'name', type: 'string', description: 'the algorithm: Threshold, IBT, CrossEntropy, Random, EdgeOnly, CloudOnly', env: WORKER_ENV.HEM_NAME, required: true },
    { name: 'parameters', type: 'string', description: 'its parameters: the job\'s JSON list [{"key","value"}], or key=value pairs separated by ;', env: WORKER_ENV.HEM_PARAMETERS, default: '' },
  ],
  open(context: UnitContext) {
    registerHardExampleMining();
    const text = option<string>(context, 'parameters').trim();
    const param = text.startsWith('[') ? parseKeyValueList(text, `node ${context.node}: option parameters`) : keyValues(text);
    return conditionInstance(createHardExampleMining({ method: option<string>(context, 'name'), param }));
  },
});

function keyValues(text: string): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new Error(`parameters: expected key=value, got ${JSON.stringify(part)}`);
    const value = part.slice(eq + 1).trim();
    out[part.slice(0, eq).trim()] = value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return out;
}

export const miningUnits: UnitDefinition[] = [
  fromEnvironment,
  algorithmUnit('hem_threshold', 'Threshold', [threshold('threshold', 'hard when the mean box score is below it')]),
  algorithmUnit('hem_ibt', 'IBT', [threshold('threshold_img', 'hard when the share of low-score boxes is at least 1 - threshold_img'), threshold('threshold_box', 'a box scoring at most this is low-score')]),
  algorithmUnit('hem_cross_entropy', 'CrossEntropy', [threshold('threshold_cross_entropy', 'hard when 1 - normalized entropy is below it')]),
  algorithmUnit('hem_random', 'Random', [{ name: 'random_ratio', type: 'number', description: 'share of items called hard', default: 0.3 }]),
  algorithmUnit('hem_edge_only', 'EdgeOnly', []),
  algorithmUnit('hem_cloud_only', 'CloudOnly', []),
];
