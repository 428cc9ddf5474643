/**
 * A task's samples as one file in the knowledge base (the original dumped each group's DataFrame with joblib as
 * `<data_type>_<entry>.sample`): JSON with the features and labels in base64, attributes and ids as lists. The
 * update round reads them back to retrain a task on its old samples together with the new ones.
 */
import { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import { base64ToFloats, floatsToBase64 } from '../../algorithms/lifelong/task-profile.js';
import { DATA_SOURCE_TYPES, type DataSourceType } from '../../datasources/base.js';

export const SAMPLES_FORMAT = 'sedna-samples/v1';

export function encodeSampleSet(samples: SampleSet): string {
  const labels = samples.labels;
  return JSON.stringify({
    format: SAMPLES_FORMAT,
    data_type: samples.dataType,
    shape: samples.features.shape,
    features: floatsToBase64(samples.features.data),
    labels: labels === undefined ? null : Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength).toString('base64'),
    attributes: samples.attributes,
    ids: samples.ids,
  });
}

export function decodeSampleSet(text: string, where: string): SampleSet {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not a sample file: invalid JSON (${(error as Error).message})`, { cause: error });
  }
  const json = raw as { format?: unknown; data_type?: unknown; shape?: unknown; features?: unknown; labels?: unknown; attributes?: unknown; ids?: unknown };
  if (json === null || typeof json !== 'object' || json.format !== SAMPLES_FORMAT) throw new Error(`${where} is not a sample file (format must be ${SAMPLES_FORMAT})`);
  if (typeof json.data_type !== 'string' || !(DATA_SOURCE_TYPES as readonly string[]).includes(json.data_type)) throw new Error(`${where}: data_type must be one of ${DATA_SOURCE_TYPES.join(', ')}`);
  const shape = json.shape;
  if (!Array.isArray(shape) || shape.length < 2 || !shape.every((v) => Number.isInteger(v) && v >= 0)) throw new Error(`${where}: shape must be [n, ...featureShape]`);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  const features = base64ToFloats(json.features, `${where}: features`, size);
  let labels: Int32Array | undefined;
  if (json.labels !== null && json.labels !== undefined) {
    if (typeof json.labels !== 'string') throw new Error(`${where}: labels must be base64 text or null`);
    const bytes = Buffer.from(json.labels, 'base64');
    if (bytes.length !== (shape[0] as number) * 4) throw new Error(`${where}: labels hold ${bytes.length / 4} values for ${shape[0]} samples`);
    labels = new Int32Array(bytes.length / 4);
    new Uint8Array(labels.buffer).set(bytes);
  }
  if (!Array.isArray(json.attributes) || !json.attributes.every((a) => a !== null && typeof a === 'object' && Object.values(a).every((v) => typeof v === 'string'))) {
    throw new Error(`${where}: attributes must be a list of objects of text values`);
  }
  if (!Array.isArray(json.ids) || !json.ids.every((id) => typeof id === 'string')) throw new Error(`${where}: ids must be a list of text`);
  return new SampleSet({
    dataType: json.data_type as DataSourceType,
    features: { data: features, shape: shape as number[] },
    ...(labels ? { labels } : {}),
    attributes: json.attributes as Record<string, string>[],
    ids: json.ids as string[],
  });
}
