/**
 * The settings of the aggregation worker and the training workers, from the environment the control plane injects
 * (sedna-reference §3.10) and the user's env of the job YAML (`exit_round`, `aggregation_algorithm`, ...), read the
 * way the original's Context.get_parameters does (the name, then its upper-case form). Every error names the
 * variable.
 */
import { BaseConfig, Context, parseKeyValueList, type AlgorithmSpec, type Env, type Transmitter } from '../../common/config.js';
import { parseBoundedNumber, type ParamValue } from '../../common/parameters.js';
import { DEFAULT_AGGREGATION } from './protocol.js';
import { JOB_CREDENTIAL_ENV, JOB_UID_ENV } from '@sedna/api/guard';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface AggregatorSettings {
  /** `aggregation_algorithm` (default FedAvg) with `aggregation_parameters`. */
  readonly aggregation: AlgorithmSpec;
  /** PARTICIPANTS_COUNT: training workers per round. */
  readonly participantsCount: number;
  /** `exit_round` (default 1, as the original's AggregationServer): rounds to run. */
  readonly exitRound: number;
  /** `min_clients` (default 1): usable updates a round needs when it ends by timeout. */
  readonly minClients: number;
  /** `round_timeout_seconds` (default 600): how long after its first update a round waits for the others. */
  readonly roundTimeoutMs: number;
  /** AGG_BIND_IP (default 127.0.0.1: the GM gives the address its trainers are sent to). */
  readonly bindHost: string;
  /** AGG_BIND_PORT (default 7363; 0 picks a free port). */
  readonly bindPort: number;
  /** MODEL_URL: where the aggregated model goes. */
  readonly modelUrl: string | undefined;
  /** PRETRAINED_MODEL_URL: the model the first round starts from (the original's "./" default means none). */
  readonly pretrainedModelUrl: string | undefined;
  /** `checkpoint_url` (default MODEL_URL + ".fl-checkpoint"): the state saved after each round. */
  readonly checkpointUrl: string | undefined;
  /** TRANSMITTER (default ws). */
  readonly transmitter: Transmitter;
  /** AGG_DATA_PATH: where the S3 transmitter exchanges weights. */
  readonly aggDataPath: string | undefined;
  /** `broadcast_compression` with `broadcast_compression_parameters`: a codec for the global model sent to workers. */
  readonly broadcastCompression: AlgorithmSpec | undefined;
  /** `client_choose` with `client_choose_parameters`: which workers train each round (default: all). */
  readonly clientChoose: AlgorithmSpec | undefined;
  /** MistNet: `cloud_epochs` (default 5) the cloud trains per round, `feature_clip` (default 4) the clipping bound. */
  readonly mistnet: { readonly epochs: number; readonly clip: number };
  /** `linger_seconds` (default 30): after the last round, how long to wait for workers to pick up the result. */
  readonly lingerMs: number;
  readonly jobName: string;
  readonly workerName: string;
  /** SEDNA_JOB_UID: the job's uid, which keys the checkpoint. */
  readonly jobUid: string | undefined;
  /**
   * SEDNA_JOB_CREDENTIAL: what every caller must present; none when the control plane gives none or AGG_AUTH is
   * `none` (a job whose trainers are of the original Python lib, which sends no credential).
   */
  readonly credential: string | undefined;
}

export interface TrainerSettings {
  /** ws://AGG_IP:AGG_PORT/<aggregation_algorithm>, the original's URI. */
  readonly aggregatorUrl: string;
  /** WORKER_NAME: the id the aggregator knows this worker by. */
  readonly workerName: string;
  readonly jobName: string;
  /** `epochs` (default 1): local epochs per round. */
  readonly epochs: number;
  /** `batch_size` (default 32). */
  readonly batchSize: number;
  /** `learning_rate` (default: the estimator's). */
  readonly learningRate: number | undefined;
  /** `compression` with `compression_parameters`: a codec for the updates (Float16, Int8Linear, TopK). */
  readonly compression: AlgorithmSpec | undefined;
  /** TRANSMITTER (default ws). */
  readonly transmitter: Transmitter;
  readonly aggDataPath: string | undefined;
  /** CONNECT_TIMEOUT (default 300 s): how long to keep trying to reach the aggregator after losing it. */
  readonly connectTimeoutMs: number;
  /** MODEL_URL: the aggregated model (the aggregation worker writes it; reports name it). */
  readonly modelUrl: string | undefined;
  /**
   * AGG_WIRE (default auto): `binary` (this lib's frames), `json` (the original's messages, for an aggregation server
   * of the original Python lib), or `auto` (ask the aggregator's GET /<aggregation>: this lib's names its wires).
   */
  readonly wire: 'auto' | 'json' | 'binary';
  /** AGG_RECV_TIMEOUT (default 600 s): the longest wait for the aggregator's next model after sending an update. */
  readonly recvTimeoutMs: number;
  /** SEDNA_JOB_CREDENTIAL: presented to the aggregator (Authorization: Bearer). */
  readonly credential: string | undefined;
}

function positiveInteger(context: Context, name: string, fallback: number): number {
  const value = context.getParameters(name);
  return value === undefined ? fallback : parseBoundedNumber(value, `environment variable ${name}`, { min: 1, integer: true });
}

function positiveNumber(context: Context, name: string, fallback: number | undefined): number | undefined {
  const value = context.getParameters(name);
  return value === undefined ? fallback : parseBoundedNumber(value, `environment variable ${name}`, { min: 0, minInclusive: false });
}

function nonNegativeNumber(context: Context, name: string, fallback: number): number {
  const value = context.getParameters(name);
  return value === undefined ? fallback : parseBoundedNumber(value, `environment variable ${name}`, { min: 0 });
}

/** `<name>_parameters`: a JSON object, or the CRD's `[{key, value}]` list. */
function algorithmParameters(context: Context, name: string): Record<string, ParamValue> {
  const variable = `${name}_parameters`;
  const raw = context.getParameters(variable);
  if (raw === undefined) return {};
  const text = raw.trim();
  if (text.startsWith('[')) return parseKeyValueList(text, `environment variable ${variable}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`environment variable ${variable}: expected a JSON object or a [{"key","value"}] list: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`environment variable ${variable}: expected a JSON object`);
  const param: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(`environment variable ${variable}: "${key}" must be a string, number or boolean`);
    }
    param[key] = value;
  }
  return param;
}

/** An algorithm (a codec, a client choice) named by env `name`, with `<name>_parameters`. */
function algorithmFromEnv(context: Context, name: string): AlgorithmSpec | undefined {
  const method = context.getParameters(name);
  return method === undefined ? undefined : { method, param: algorithmParameters(context, name) };
}

export function aggregationFromEnv(env: Env = process.env): AlgorithmSpec {
  const context = new Context(env);
  return { method: context.getParameters('aggregation_algorithm') ?? DEFAULT_AGGREGATION, param: algorithmParameters(context, 'aggregation') };
}

function stripTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

export function aggregatorSettingsFromEnv(env: Env = process.env): AggregatorSettings {
  const config = new BaseConfig(env);
  const context = new Context(env);
  const participantsCount = config.participantsCount;
  const minClients = positiveInteger(context, 'min_clients', 1);
  if (minClients > participantsCount) {
    throw new Error(`environment variable min_clients (${minClients}) exceeds PARTICIPANTS_COUNT (${participantsCount}): no round could ever end by timeout`);
  }
  const modelUrl = config.modelUrl;
  const pretrained = config.pretrainedModelUrl === './' ? undefined : config.pretrainedModelUrl;
  const checkpointUrl = context.getParameters('checkpoint_url') ?? (modelUrl === undefined ? undefined : `${stripTrailingSlashes(modelUrl)}.fl-checkpoint`);
  return {
    aggregation: aggregationFromEnv(env),
    participantsCount,
    exitRound: positiveInteger(context, 'exit_round', 1),
    minClients,
    roundTimeoutMs: (positiveNumber(context, 'round_timeout_seconds', 600) ?? 600) * 1000,
    bindHost: config.aggBindIp ?? '127.0.0.1',
    bindPort: config.aggBindPort,
    modelUrl,
    pretrainedModelUrl: pretrained,
    checkpointUrl,
    transmitter: config.transmitter,
    aggDataPath: config.aggDataPath === './' ? undefined : config.aggDataPath,
    broadcastCompression: algorithmFromEnv(context, 'broadcast_compression'),
    clientChoose: algorithmFromEnv(context, 'client_choose'),
    mistnet: { epochs: positiveInteger(context, 'cloud_epochs', 5), clip: positiveNumber(context, 'feature_clip', 4) ?? 4 },
    lingerMs: nonNegativeNumber(context, 'linger_seconds', 30) * 1000,
    jobName: config.jobName,
    workerName: config.workerName || 'aggregator',
    jobUid: env[JOB_UID_ENV]?.trim() || undefined,
    credential: authFromEnv(context) === 'none' ? undefined : env[JOB_CREDENTIAL_ENV]?.trim() || undefined,
  };
}

export function trainerSettingsFromEnv(env: Env = process.env): TrainerSettings {
  const config = new BaseConfig(env);
  const context = new Context(env);
  if (config.workerName === '') throw new Error('environment variable WORKER_NAME must be set: the aggregator tells training workers apart by it');
  const aggregation = context.getParameters('aggregation_algorithm') ?? DEFAULT_AGGREGATION;
  const protocol = config.aggProtocol;
  if (protocol !== 'ws' && protocol !== 'wss') throw new Error(`environment variable AGG_PROTOCOL must be ws or wss, got ${JSON.stringify(protocol)}`);
  const host = config.aggIp.includes(':') && !config.aggIp.startsWith('[') ? `[${config.aggIp}]` : config.aggIp;
  return {
    aggregatorUrl: `${protocol}://${host}:${config.aggPort}/${encodeURIComponent(aggregation)}`,
    workerName: config.workerName,
    jobName: config.jobName,
    epochs: positiveInteger(context, 'epochs', 1),
    batchSize: positiveInteger(context, 'batch_size', 32),
    learningRate: positiveNumber(context, 'learning_rate', undefined),
    compression: algorithmFromEnv(context, 'compression'),
    transmitter: config.transmitter,
    aggDataPath: config.aggDataPath === './' ? undefined : config.aggDataPath,
    connectTimeoutMs: config.connectTimeoutSeconds * 1000,
    modelUrl: config.modelUrl,
    wire: wireFromEnv(context),
    recvTimeoutMs: positiveNumber(context, WORKER_ENV.AGG_RECV_TIMEOUT, 600)! * 1000,
    credential: env[JOB_CREDENTIAL_ENV]?.trim() || undefined,
  };
}

/** AGG_AUTH (default job-credential): whether the aggregator's callers must present the job's credential. */
function authFromEnv(context: Context): 'job-credential' | 'none' {
  const auth = (context.getParameters(WORKER_ENV.AGG_AUTH) ?? 'job-credential').toLowerCase();
  if (auth !== 'job-credential' && auth !== 'none') throw new Error(`environment variable AGG_AUTH must be job-credential or none, got ${JSON.stringify(auth)}`);
  return auth;
}

function wireFromEnv(context: Context): 'auto' | 'json' | 'binary' {
  const wire = (context.getParameters(WORKER_ENV.AGG_WIRE) ?? 'auto').toLowerCase();
  if (wire !== 'auto' && wire !== 'json' && wire !== 'binary') throw new Error(`environment variable AGG_WIRE must be auto, json or binary, got ${JSON.stringify(wire)}`);
  return wire;
}
