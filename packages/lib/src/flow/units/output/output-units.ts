/**
 * Where results go: `file_output` appends one line per item to a file (JSON lines, or a text template),
 * `console_output` prints them, and `classification_result` turns a classifier's output into
 * `{class, confidence}` (ModelBox's mnist_response, for replies and result files).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Tensor } from '../../../core/estimator.js';
import type { Meta, UnitDefinition, UnitInput, UnitOutput } from '../../types.js';
import { defineUnit, option } from '../define.js';
import { isInferenceRecord, isTensor } from '../inference/records.js';
import { WORKER_ENV } from '@sedna/api/contracts';

/** A value as JSON: tensors and records by their answer, bytes by their length. */
function plain(value: unknown): unknown {
  if (isInferenceRecord(value)) return { output: Array.from(value.output.data), answeredBy: value.answeredBy, ...(value.hard !== undefined ? { hard: value.hard } : {}), ...(value.modelVersion ? { modelVersion: value.modelVersion } : {}) };
  if (isTensor(value)) return { shape: value.shape, data: Array.from(value.data) };
  if (value instanceof Uint8Array) return { bytes: value.length };
  return value;
}

/** `{name}` is a meta field, `{value}` the item (as JSON unless it is text), `{value.key}` a field of it. */
function render(template: string, value: unknown, meta: Meta): string {
  return template.replace(/\{([\w.]+)\}/g, (_, key: string) => {
    if (key === 'value') return typeof value === 'string' ? value : JSON.stringify(plain(value));
    if (key.startsWith('value.')) {
      const field = (plain(value) as Record<string, unknown> | undefined)?.[key.slice(6)];
      return typeof field === 'string' ? field : JSON.stringify(field);
    }
    const field = meta[key];
    return field === undefined ? '' : typeof field === 'string' ? field : JSON.stringify(field);
  });
}

function line(value: unknown, meta: Meta, template: string): string {
  if (template) return render(template, value, meta);
  const shown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') shown[k] = v;
  return JSON.stringify({ ...shown, value: plain(value) });
}

const templateOption = { name: 'template', type: 'string', description: 'a line per item: {meta_field}, {value}, {value.field}; empty: JSON with the meta', default: '' } as const;

const fileOutput = defineUnit({
  name: 'file_output',
  kind: 'normal',
  description: 'Appends a line per item to a file',
  inputs: [['in_data', 'any']],
  options: [{ name: 'path', type: 'string', description: 'the file (relative to the graph)', env: WORKER_ENV.RESULTS_URL, required: true }, templateOption],
  open(context) {
    const file = path.resolve(context.baseDir, option<string>(context, 'path'));
    mkdirSync(path.dirname(file), { recursive: true });
    const stream: WriteStream = createWriteStream(file, { flags: 'a' });
    const template = option<string>(context, 'template');
    return {
      async process(batch) {
        const text = batch.map((item) => line(item.ports.in_data, item.meta, template) + '\n').join('');
        if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
        return batch.map(() => ({ ports: {} }));
      },
      close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
    };
  },
});

const consoleOutput = defineUnit({
  name: 'console_output',
  kind: 'normal',
  description: 'Prints a line per item',
  inputs: [['in_data', 'any']],
  options: [templateOption],
  open(context) {
    const template = option<string>(context, 'template');
    return {
      process: (batch) =>
        batch.map((item) => {
          process.stdout.write(line(item.ports.in_data, item.meta, template) + '\n');
          return { ports: {} };
        }),
    };
  },
});

function argmax(output: Tensor): number {
  let best = 0;
  for (let k = 1; k < output.data.length; k++) if ((output.data[k] as number) > (output.data[best] as number)) best = k;
  return best;
}

function classOf(output: Tensor): { class: number; confidence: number } {
  const best = argmax(output);
  return { class: best, confidence: output.data[best] as number };
}

/** What classification_result gives for an inference record. */
interface ClassificationResult {
  readonly class: number;
  readonly confidence: number;
  readonly answeredBy: string;
  readonly hard?: boolean;
  readonly modelVersion: string;
}

const classificationResult = defineUnit({
  name: 'classification_result',
  kind: 'normal',
  ignoresMeta: true,
  description: "A classifier's output as {class, confidence} (and the model version and who answered, for records)",
  inputs: [['in_data', 'any']],
  outputs: [['out_data', 'json']],
  open: () => ({
    // A loop, not batch.map with an arrow: no new function per call (see image_decode).
    process: (batch) => {
      const outs = new Array<UnitOutput>(batch.length);
      for (let k = 0; k < batch.length; k++) outs[k] = { ports: { out_data: classification((batch[k] as UnitInput).ports.in_data) } };
      return outs;
    },
    processOne: (input) => ({ ports: { out_data: classification(input.ports.in_data) } }),
    processValue: classification,
  }),
});

/** A classifier's answer (an inference record's, or a tensor's) as its class and confidence. */
function classification(value: unknown): ClassificationResult | ReturnType<typeof classOf> {
  if (isInferenceRecord(value)) {
    const best = argmax(value.output);
    const confidence = value.output.data[best] as number;
    const modelVersion = value.modelVersion ?? 'initial';
    // Two literals rather than spreads (this runs for every item): the same keys in the same order.
    return value.hard !== undefined ? { class: best, confidence, answeredBy: value.answeredBy, hard: value.hard, modelVersion } : { class: best, confidence, answeredBy: value.answeredBy, modelVersion };
  }
  if (isTensor(value)) return classOf(value);
  throw new TypeError('in_data must be a tensor or an inference record');
}

export const outputUnits: UnitDefinition[] = [fileOutput, consoleOutput, classificationResult];
