/**
 * The aggregator's protocol adapter, inbound: one websocket message (a binary frame or JSON text, of this lib's
 * workers or of the original Python lib's) read into what the round coordinator takes. Weights sent through S3 are
 * fetched here. Nothing here decides about rounds; it only says what the message is, or why it cannot be read.
 */
import type { S3Transmitter } from '../../../transmitter/s3-transmitter.js';
import type { Tensor, WeightTensor } from '../../estimator.js';
import { decodeFrame } from '../frames.js';
import { weightsFromNested } from '../json-weights.js';
import { ProtocolError, isObject, parseFeaturesHeader, parseSampleCount, parseUpdateHeader } from '../protocol.js';
import type { WeightsUpdate } from './round-coordinator.js';
import { DEFAULT_MAX_DEPTH, jsonDepth } from '@sedna/api/guard';

export type WorkerInput =
  | { readonly kind: 'subscribe'; readonly message: Record<string, unknown> }
  | { readonly kind: 'update'; readonly update: WeightsUpdate; readonly bytes: number }
  | { readonly kind: 'features'; readonly round: number; readonly numSamples: number; readonly features: { x: Tensor; y: Int32Array } | string; readonly bytes: number }
  /** Unreadable: refused for `round` (default the open one); `retry`: the worker may send again. */
  | { readonly kind: 'unreadable'; readonly round?: number; readonly reason: string; readonly retry: boolean; readonly bytes?: number }
  /** A JSON message of another type: the original relayed it to every worker as it is. */
  | { readonly kind: 'relay'; readonly text: string };

export interface ReadContext {
  /** The id the connection subscribed with; undefined before it subscribed. */
  subscribed: string | undefined;
  /** The round being collected (the original's JSON updates are for it). */
  openRound: number;
  /** The global model's tensor names (the original's JSON weights are positional). */
  tensorNames: readonly string[] | undefined;
  /** The S3 transmitter, when the job uses it. */
  s3: S3Transmitter | undefined;
  /** MistNet: reads a worker's features (or says why they are unusable); undefined when the run is not MistNet. */
  readFeatures: ((tensors: readonly WeightTensor[] | undefined, samples: number) => { x: Tensor; y: Int32Array } | string) | undefined;
}

/**
 * Reads one message. Throws ProtocolError for what only a broken client sends (a frame before subscribing, a
 * message that is not an object): the server logs it and goes on. A worker that has not subscribed gets no
 * refusal (there is no one to name): its unreadable JSON is a ProtocolError too.
 */
export async function readWorkerInput(bytes: Buffer, isBinary: boolean, ctx: ReadContext): Promise<WorkerInput> {
  if (isBinary) return readFrame(bytes, ctx);
  const text = bytes.toString('utf8');
  const depth = jsonDepth(text);
  if (depth > DEFAULT_MAX_DEPTH) {
    if (ctx.subscribed === undefined) throw new ProtocolError(`a message nested ${depth} levels deep from a worker that has not subscribed`);
    return { kind: 'unreadable', reason: `its message is nested ${depth} levels deep (at most ${DEFAULT_MAX_DEPTH})`, retry: true };
  }
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    // The original's workers serialise NaN as a bare NaN, which is not JSON: name the worker and go on.
    if (ctx.subscribed === undefined) throw new ProtocolError(`a message that is not JSON from a worker that has not subscribed: ${(error as Error).message}`);
    return { kind: 'unreadable', reason: `its message is not valid JSON (${(error as Error).message})`, retry: true };
  }
  if (!isObject(message)) throw new ProtocolError('a message must be a JSON object');
  switch (message['type']) {
    case 'subscribe':
      return { kind: 'subscribe', message };
    case 'update_weight':
      if (ctx.subscribed === undefined) throw new ProtocolError('update_weight before subscribing');
      return readJsonUpdate(message, bytes.length, ctx);
    default:
      return { kind: 'relay', text };
  }
}

function readFrame(bytes: Buffer, ctx: ReadContext): WorkerInput {
  if (ctx.subscribed === undefined) throw new ProtocolError('a binary frame before subscribing');
  let frame;
  try {
    // The websocket message is ours alone: its weights are read in place, not copied into fresh memory.
    frame = decodeFrame(bytes, { view: true });
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message, retry: true };
  }
  if (frame.header['type'] === 'upload_features') return readFeatures(frame.header, frame.weights, bytes.length, ctx);
  if (frame.header['type'] !== 'update_weight') throw new ProtocolError(`unexpected binary frame of type ${JSON.stringify(frame.header['type'])}`);
  if (ctx.readFeatures !== undefined) return { kind: 'unreadable', reason: 'this aggregator runs MistNet: workers send features, not weights', retry: false };
  return readUpdate(frame.header, frame.weights, bytes.length, ctx);
}

/** MistNet: a worker's features and labels for the round. */
function readFeatures(rawHeader: Record<string, unknown>, tensors: WeightTensor[] | undefined, bytes: number, ctx: ReadContext): WorkerInput {
  let header;
  try {
    header = parseFeaturesHeader(rawHeader);
    if (header.client !== ctx.subscribed) throw new ProtocolError(`upload_features: "client" is "${header.client}" but the connection subscribed as "${ctx.subscribed}"`);
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message, retry: true };
  }
  const features = ctx.readFeatures?.(tensors, header.num_samples) ?? 'not MistNet';
  return { kind: 'features', round: header.round_number, numSamples: header.num_samples, features, bytes };
}

function readUpdate(rawHeader: Record<string, unknown>, weights: WeightTensor[] | undefined, bytes: number, ctx: ReadContext): WorkerInput {
  let header;
  try {
    header = parseUpdateHeader(rawHeader);
    if (header.client !== ctx.subscribed) throw new ProtocolError(`update_weight: "client" is "${header.client}" but the connection subscribed as "${ctx.subscribed}"`);
    if (weights === undefined) throw new ProtocolError('update_weight carries no weights');
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message, retry: true };
  }
  return { kind: 'update', update: { round: header.round_number, numSamples: header.num_samples, weights, metrics: header.metrics, delta: header.delta ?? false, named: true }, bytes };
}

async function readJsonUpdate(message: Record<string, unknown>, bytes: number, ctx: ReadContext): Promise<WorkerInput> {
  if (message['object'] !== undefined) {
    // A worker of this lib with the S3 transmitter: the header names the object that holds the weights.
    const header = parseUpdateHeader(message);
    if (ctx.s3 === undefined) return { kind: 'unreadable', round: header.round_number, reason: 'it sent weights through S3, but this aggregator uses the websocket transmitter', retry: false };
    let weights: WeightTensor[];
    try {
      weights = [...(await ctx.s3.recv(header.object!, { timeoutMs: 30_000, pollMs: 100 })).weights];
    } catch (error) {
      return { kind: 'unreadable', round: header.round_number, reason: `its weights object cannot be read: ${(error as Error).message}`, retry: true };
    }
    return readUpdate(message, weights, bytes + encodedSize(weights), ctx);
  }
  // The original's message: {client, data: {num_samples, weights}, job_name}, for the round being collected.
  const data = message['data'];
  try {
    if (!isObject(data)) throw new ProtocolError('update_weight: "data" must be an object');
    const numSamples = parseSampleCount(data['num_samples'], 'update_weight data');
    const weights = weightsFromNested(data['weights'], ctx.tensorNames);
    return { kind: 'update', update: { round: ctx.openRound, numSamples, weights, metrics: undefined, delta: false, named: false }, bytes };
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message, retry: true };
  }
}

function encodedSize(weights: readonly WeightTensor[]): number {
  return weights.reduce((sum, tensor) => sum + 4 * tensor.data.length, 0);
}
