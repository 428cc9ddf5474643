/**
 * The big model service's HTTP protocol, shared by the server and the client (sedna-reference §4.3):
 *
 *   POST /{job}/predict   JSON `{"data": [...]}` -> `{"result": [...]}` (the original's form; `callback` and
 *                         `post_process` fields are accepted and ignored), or the binary tensor form of
 *                         tensor-wire.ts both ways (Content-Type: application/octet-stream)
 *   GET  /{job}           `{"infos": [{path, name}, ...], "service": {...}}` (the original's route list, plus
 *                         the model and batching settings)
 *   GET  /healthz         `{"status": "ok"}`
 *
 * Errors answer `{"error": "<reason>"}` with 400 (malformed request), 404, 405, 413, 415, 500 or 503.
 */
import type { Tensor } from '../estimator.js';

/** The default JOB_NAME, hence the default path prefix: the original's `/sedna/predict`. */
export const DEFAULT_JOB_NAME = 'sedna';
export const DEFAULT_BIG_MODEL_PORT = 5000;
export const HEALTH_PATH = '/healthz';
export const JSON_CONTENT_TYPE = 'application/json';

export function servicePath(jobName: string): string {
  return `/${encodeURIComponent(jobName)}`;
}

export function predictPath(jobName: string): string {
  return `${servicePath(jobName)}/predict`;
}

/** A request the service refuses, with the HTTP status and the reason it sends back. */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The per-sample shape of a request: what the data's leading axis means. */
export interface BatchView {
  /** The data as a batch [n, ...sampleShape]. */
  batch: Tensor;
  /** True when the request was one sample without a batch axis: the answer then has none either. */
  single: boolean;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Reads the JSON form's `data` as a batch for a model taking samples of `sampleShape` (when known).
 * In order: exactly one sample; exactly a batch [n, ...sampleShape]; a batch whose samples hold as many values
 * as one model sample (an image [n, 28, 28] for a model of [784]), reshaped; one sample with that many values,
 * reshaped. Anything else is a 400 naming both shapes. Without a known sample shape a list of numbers is one
 * sample and anything deeper is a batch.
 */
export function viewJsonData(data: Tensor, sampleShape: readonly number[] | undefined): BatchView {
  const shape = data.shape;
  if (sampleShape === undefined) {
    return shape.length === 1 ? { batch: { data: data.data, shape: [1, ...shape] }, single: true } : { batch: data, single: false };
  }
  if (sameShape(shape, sampleShape)) return { batch: { data: data.data, shape: [1, ...sampleShape] }, single: true };
  if (shape.length >= 2 && sameShape(shape.slice(1), sampleShape)) return { batch: data, single: false };
  const perSample = sizeOf(sampleShape);
  if (shape.length >= 2 && sizeOf(shape.slice(1)) === perSample) return { batch: { data: data.data, shape: [shape[0] as number, ...sampleShape] }, single: false };
  if (sizeOf(shape) === perSample) return { batch: { data: data.data, shape: [1, ...sampleShape] }, single: true };
  throw new BadRequestError(400, `wrong shape: data has shape [${shape.join(', ')}], the model takes samples of shape [${sampleShape.join(', ')}] (one sample, or a batch [n, ${sampleShape.join(', ')}])`);
}

/** Reads the binary form's tensor, which always has a batch axis, for a model taking `sampleShape`. */
export function viewBinaryBatch(tensor: Tensor, sampleShape: readonly number[] | undefined): Tensor {
  const shape = tensor.shape;
  if (shape.length < 2) throw new BadRequestError(400, `wrong shape: a binary tensor is a batch [n, ...sample], got shape [${shape.join(', ')}]`);
  if ((shape[0] as number) === 0) throw new BadRequestError(400, 'wrong shape: the batch is empty');
  if (sampleShape === undefined || sameShape(shape.slice(1), sampleShape)) return tensor;
  if (sizeOf(shape.slice(1)) === sizeOf(sampleShape)) return { data: tensor.data, shape: [shape[0] as number, ...sampleShape] };
  throw new BadRequestError(400, `wrong shape: samples of shape [${shape.slice(1).join(', ')}], the model takes [${sampleShape.join(', ')}]`);
}
