/**
 * The aggregation protocol between training workers and the aggregation worker (sedna-reference §4.4).
 *
 * The original's JSON messages stay valid, so that workers of the original Python lib can join:
 *   C→S `{"type":"subscribe","client_id"}`; S→others `{"type":"CLIENT_JOIN","data":id}`, then the subscribe message
 *   echoed to every client (the new one takes it as its acknowledgement);
 *   C→S `{"type":"update_weight","client","data":{"num_samples","weights":[nested lists]},"job_name"}`;
 *   S→all `{"type":"recv_weight","client","job_name","round_number","data":{"total_sample","round_number","weights","exit_flag"}}`.
 *
 * Workers of this lib subscribe with `"wire":"binary"` and then exchange weights as binary frames (frames.ts): a
 * JSON header shaped like the messages below followed by the weights in the lib's binary codec, optionally
 * compressed. They also get two messages the original lacked: `sync_weight` (the current global model and round,
 * sent to a worker when it (re)joins) and `reject_weight` (its update was refused, and why). With the S3
 * transmitter the weights travel as objects under AGG_DATA_PATH and the header, sent as a text frame, names the
 * object.
 */
import type { ClientRejection } from '../../algorithms/aggregation/types.js';

export const DEFAULT_AGG_PORT = 7363;
export const DEFAULT_AGGREGATION = 'FedAvg';

/** `ok` once the last round is aggregated, else `continue` (the original's values). */
export type ExitFlag = 'ok' | 'continue';

/** How a worker exchanges weights: the original's JSON lists, or the lib's binary frames. */
export type Wire = 'json' | 'binary';

/** What the aggregator tells workers about local training (Flower's fit config). */
export interface RoundConfig {
  /** The aggregation strategy's registry name. */
  readonly algorithm: string;
  /** FedProx's μ: workers add (μ/2)·‖w − w_global‖² to their local objective when it is above 0. */
  readonly proximal_mu?: number;
  /** MistNet: layers that run on the edge, the privacy budget per feature value, and the clipping bound. */
  readonly cut_layer?: number;
  readonly epsilon?: number;
  readonly clip?: number;
}

/** Metrics a worker may send with its update (its local training's last epoch). */
export interface ClientMetrics {
  readonly loss?: number;
  readonly accuracy?: number;
}

export interface SubscribeMessage {
  readonly type: 'subscribe';
  readonly client_id: string;
  /** Absent for the original's workers, which speak JSON. */
  readonly wire?: Wire;
}

/** The header of a worker's update (binary frame header, or an S3 control message). */
export interface UpdateHeader {
  readonly type: 'update_weight';
  readonly client: string;
  readonly job_name: string;
  /** The round these weights were trained for: rounds completed when training began, plus 1. */
  readonly round_number: number;
  readonly num_samples: number;
  readonly metrics?: ClientMetrics;
  /** The weights are the difference to the global model the worker started the round from. */
  readonly delta?: boolean;
  /** S3 transmitter: the object under AGG_DATA_PATH that holds the weights. */
  readonly object?: string;
}

/** MistNet: the header of a worker's features (binary frame; the body holds `features` [n, d] and `labels` [n]). */
export interface FeaturesHeader {
  readonly type: 'upload_features';
  readonly client: string;
  readonly job_name: string;
  readonly round_number: number;
  readonly num_samples: number;
}

/** One aggregated round as the aggregator records and reports it. */
export interface RoundRecord {
  readonly round: number;
  /** Samples behind each accepted update. */
  readonly samples: Readonly<Record<string, number>>;
  readonly totalSamples: number;
  readonly accepted: readonly string[];
  readonly rejected: readonly ClientRejection[];
  /** Whether a new global model came out (false: too few usable updates, the global model was kept). */
  readonly aggregated: boolean;
  /** Why the round ended: every participant answered, or the round timeout passed. */
  readonly closedBy: 'participants' | 'timeout';
  /** Sample-weighted means of the metrics the workers sent. */
  readonly trainLoss?: number;
  readonly trainAccuracy?: number;
  /** The aggregator's own evaluation of the new global model, when it has test data. */
  readonly loss?: number;
  readonly accuracy?: number;
  /** Bytes of updates received in this round (frames or objects). */
  readonly bytesReceived: number;
  /** Bytes of the new global model sent to workers. */
  readonly bytesSent: number;
  /** Time spent aggregating (the strategy's aggregate call). */
  readonly aggregationMs: number;
  /** From the round's first update to the broadcast of its result. */
  readonly collectMs: number;
  /** From the previous round's broadcast (or the start) to this round's broadcast. */
  readonly durationMs: number;
}

/** What workers hear of a round: its outcome without the per-worker details (which grow with the workers). */
export interface RoundSummary {
  readonly round: number;
  readonly totalSamples: number;
  /** Updates that went into the global model. */
  readonly updates: number;
  readonly aggregated: boolean;
  readonly trainLoss?: number;
  readonly trainAccuracy?: number;
  readonly loss?: number;
  readonly accuracy?: number;
}

export function summarizeRound(record: RoundRecord): RoundSummary {
  const { round, totalSamples, aggregated, trainLoss, trainAccuracy, loss, accuracy } = record;
  const summary: { -readonly [K in keyof RoundSummary]: RoundSummary[K] } = { round, totalSamples, updates: record.accepted.length, aggregated };
  if (trainLoss !== undefined) summary.trainLoss = trainLoss;
  if (trainAccuracy !== undefined) summary.trainAccuracy = trainAccuracy;
  if (loss !== undefined) summary.loss = loss;
  if (accuracy !== undefined) summary.accuracy = accuracy;
  return summary;
}

/** The header of the aggregator's global model message. */
export interface GlobalHeader {
  /** `recv_weight` after a round; `sync_weight` to a worker that (re)joins. */
  readonly type: 'recv_weight' | 'sync_weight';
  readonly client: string;
  readonly job_name: string;
  /** Rounds completed; the next update is for round_number + 1. */
  readonly round_number: number;
  readonly total_sample: number;
  readonly exit_flag: ExitFlag;
  readonly config: RoundConfig;
  /** False before the first round when the aggregator has no initial model: keep your own. */
  readonly has_weights: boolean;
  /** sync_weight: the aggregator already holds this worker's update for the open round. */
  readonly submitted?: boolean;
  /**
   * With client choice: the workers that train the next round (the others wait for the round after), or null while
   * the aggregator waits for enough workers to choose from. Absent without client choice: everyone trains.
   */
  readonly selected?: readonly string[] | null;
  /** recv_weight: the round's outcome. */
  readonly summary?: RoundSummary;
  /** With exit_flag ok: every round's outcome. */
  readonly history?: readonly RoundSummary[];
  /** S3 transmitter: the object that holds the global model. */
  readonly object?: string;
}

export interface RejectHeader {
  readonly type: 'reject_weight';
  readonly client: string;
  readonly round_number: number;
  readonly reason: string;
}

/** A protocol message that does not have the fields its type needs; the text says which. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field<T>(message: JsonObject, name: string, check: (value: unknown) => value is T, expected: string, where: string): T {
  const value = message[name];
  if (!check(value)) throw new ProtocolError(`${where}: "${name}" must be ${expected}, got ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isRound = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;

/** The sample count the original sent: `int(...)` in Python, so integral floats and digit strings pass. */
export function parseSampleCount(value: unknown, where: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (!isCount(number)) throw new ProtocolError(`${where}: "num_samples" must be a non-negative integer, got ${JSON.stringify(value) ?? 'nothing'}`);
  return number;
}

function parseMetrics(value: unknown, where: string): ClientMetrics | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new ProtocolError(`${where}: "metrics" must be an object`);
  const metrics: { loss?: number; accuracy?: number } = {};
  for (const key of ['loss', 'accuracy'] as const) {
    const metric = value[key];
    if (metric === undefined) continue;
    if (typeof metric !== 'number' || !Number.isFinite(metric)) throw new ProtocolError(`${where}: "metrics.${key}" must be a finite number`);
    metrics[key] = metric;
  }
  return metrics;
}

export function parseSubscribe(message: JsonObject): SubscribeMessage {
  const clientId = message['client_id'];
  const wire = message['wire'];
  if (wire !== undefined && wire !== 'json' && wire !== 'binary') throw new ProtocolError(`subscribe: "wire" must be "json" or "binary", got ${JSON.stringify(wire)}`);
  // The original fell back to a random id; a worker without a name cannot be told apart on reconnect, so it is refused.
  if (!isNonEmptyString(clientId)) throw new ProtocolError(`subscribe: "client_id" must be a non-empty string, got ${JSON.stringify(clientId) ?? 'nothing'}`);
  return wire === undefined ? { type: 'subscribe', client_id: clientId } : { type: 'subscribe', client_id: clientId, wire };
}

/** Reads an update header (binary frame header or S3 control message). */
export function parseUpdateHeader(message: JsonObject): UpdateHeader {
  const where = 'update_weight';
  const header: {
    type: 'update_weight';
    client: string;
    job_name: string;
    round_number: number;
    num_samples: number;
    metrics?: ClientMetrics;
    delta?: boolean;
    object?: string;
  } = {
    type: 'update_weight',
    client: field(message, 'client', isNonEmptyString, 'a non-empty string', where),
    job_name: typeof message['job_name'] === 'string' ? message['job_name'] : '',
    round_number: field(message, 'round_number', isRound, 'a round number >= 1', where),
    num_samples: parseSampleCount(message['num_samples'], where),
  };
  const metrics = parseMetrics(message['metrics'], where);
  if (metrics !== undefined) header.metrics = metrics;
  if (message['delta'] !== undefined) header.delta = field(message, 'delta', (v): v is boolean => typeof v === 'boolean', 'a boolean', where);
  if (message['object'] !== undefined) header.object = field(message, 'object', isNonEmptyString, 'a non-empty string', where);
  return header;
}

/** Reads the aggregator's global model header (what a worker receives). */
export function parseGlobalHeader(message: JsonObject): GlobalHeader {
  const type = message['type'];
  if (type !== 'recv_weight' && type !== 'sync_weight') throw new ProtocolError(`expected recv_weight or sync_weight, got ${JSON.stringify(type)}`);
  const where = String(type);
  const exitFlag = message['exit_flag'];
  if (exitFlag !== 'ok' && exitFlag !== 'continue') throw new ProtocolError(`${where}: "exit_flag" must be "ok" or "continue", got ${JSON.stringify(exitFlag)}`);
  const config = field(message, 'config', isObject, 'an object', where);
  const algorithm = field(config, 'algorithm', isNonEmptyString, 'a non-empty string', `${where} config`);
  const selected = message['selected'];
  if (selected !== undefined && selected !== null && !(Array.isArray(selected) && selected.every((id) => typeof id === 'string'))) {
    throw new ProtocolError(`${where}: "selected" must be a list of worker names or null`);
  }
  const numbers: Record<string, number> = {};
  for (const key of ['proximal_mu', 'cut_layer', 'epsilon', 'clip'] as const) {
    const value = config[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0)) throw new ProtocolError(`${where}: "config.${key}" must be a number >= 0`);
    numbers[key] = value;
  }
  return {
    ...(message as object),
    type,
    client: typeof message['client'] === 'string' ? message['client'] : '',
    job_name: typeof message['job_name'] === 'string' ? message['job_name'] : '',
    round_number: field(message, 'round_number', isCount, 'a round count >= 0', where),
    total_sample: field(message, 'total_sample', isCount, 'a non-negative integer', where),
    exit_flag: exitFlag,
    config: { algorithm, ...numbers },
    has_weights: field(message, 'has_weights', (v): v is boolean => typeof v === 'boolean', 'a boolean', where),
  };
}

export function parseFeaturesHeader(message: JsonObject): FeaturesHeader {
  const where = 'upload_features';
  return {
    type: 'upload_features',
    client: field(message, 'client', isNonEmptyString, 'a non-empty string', where),
    job_name: typeof message['job_name'] === 'string' ? message['job_name'] : '',
    round_number: field(message, 'round_number', isRound, 'a round number >= 1', where),
    num_samples: parseSampleCount(message['num_samples'], where),
  };
}

export function parseRejectHeader(message: JsonObject): RejectHeader {
  const where = 'reject_weight';
  return {
    type: 'reject_weight',
    client: typeof message['client'] === 'string' ? message['client'] : '',
    round_number: field(message, 'round_number', isCount, 'a round count', where),
    reason: typeof message['reason'] === 'string' ? message['reason'] : 'no reason given',
  };
}
