/**
 * Worker configuration from the environment the control plane injects (sedna-reference.md §3.10-3.11),
 * with the original variable names and defaults.
 *
 * Differences from the Python lib, on purpose:
 * - Nothing is read at import time and there is no singleton: `new BaseConfig(env)` reads the record it is
 *   given (process.env by default), so tests pass their own and a job's config cannot leak into another's.
 * - An empty variable counts as unset (Kubernetes often renders unset values as "").
 * - Numbers and booleans are parsed here, with an error naming the variable, instead of at each use.
 * - The parsed PARAMETERS are `userParameters()` (the original stored them in `parameter`, singular).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { convertLike, parseBoolean, parseBoundedNumber, type ParamValue } from './parameters.js';
import { WORKER_ENV, WORKER_ENV_DEFAULTS } from '@sedna/api/contracts';

/** An environment: variable name to value. `process.env` is one. */
export type Env = Readonly<Record<string, string | undefined>>;

export type Transmitter = 'ws' | 's3';
export type MiningMode = 'inference-then-mining' | 'mining-then-inference';

const DEFAULT_POLL_PERIOD_SECONDS = 60;

/** Reads variables from one env record; every error names the variable. */
class EnvReader {
  constructor(private readonly env: Env) {}

  text(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  textOr(name: string, fallback: string): string {
    return this.text(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.text(name);
    return value === undefined ? fallback : parseBoundedNumber(value, `environment variable ${name}`, { min, max, integer: true });
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.text(name);
    return value === undefined ? fallback : parseBoolean(value, `environment variable ${name}`);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new Error(`environment variable ${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  }
}

export class BaseConfig {
  // --- runtime and backend
  /** BACKEND_TYPE (default TENSORFLOW): which ML framework backend the worker's estimator uses. */
  readonly backendType: string;
  /** DEVICE_CATEGORY (default CPU); GPU whenever CUDA_VISIBLE_DEVICES is set. */
  readonly deviceCategory: string;
  /** CUDA_VISIBLE_DEVICES, when set. */
  readonly cudaVisibleDevices: string | undefined;
  /** LOG_LEVEL (default INFO). */
  readonly logLevel: string;

  // --- identity of this worker and its job
  /** NAMESPACE of the job or service (default ""). */
  readonly namespace: string;
  /** WORKER_NAME of this worker (default ""). */
  readonly workerName: string;
  /** SERVICE_NAME of a JointInferenceService and other services (default ""). */
  readonly serviceName: string;
  /** JOB_NAME (default "sedna"); also the REST path prefix of the big model service. */
  readonly jobName: string;

  // --- control plane
  /** LC_SERVER (default http://127.0.0.1:9100): the LocalController workers report to. */
  readonly lcServer: string;
  /** KB_SERVER: the lifelong-learning knowledge base. */
  readonly kbServer: string | undefined;
  /** LC_PERIOD (default 30 s): how often joint inference reports its counters. */
  readonly lcPeriodSeconds: number;

  // --- models
  /** MODEL_URL: the model to load, or where training writes it. */
  readonly modelUrl: string | undefined;
  /** MODEL_URLS: `;`-separated models to evaluate (incremental learning) or the KB index (lifelong). */
  readonly modelUrls: readonly string[];
  /** MODEL_NAME: an explicit model file name. */
  readonly modelName: string | undefined;
  /** BASE_MODEL_URL: the model incremental training starts from. */
  readonly baseModelUrl: string | undefined;
  /** PRETRAINED_MODEL_URL (default "./"): the initial model of federated learning. */
  readonly pretrainedModelUrl: string;
  /** MODEL_LOAD_MODE (default "file"). */
  readonly modelLoadMode: string;
  /** MODEL_HOT_UPDATE (default false): reload the model when the LC publishes a new one. */
  readonly modelHotUpdate: boolean;
  /** MODEL_POLL_PERIOD_SECONDS (default 60; values below 1 fall back to 60, as in the original). */
  readonly modelPollPeriodSeconds: number;
  /** MODEL_HOT_UPDATE_CONFIG: the JSON file the LC rewrites on a hot update. */
  readonly modelHotUpdateConfig: string | undefined;

  // --- data
  /** DATA_PATH_PREFIX (default /home/data): the mount prefix of dataset paths. */
  readonly dataPathPrefix: string;
  /** TRAIN_DATASET_URL: the training split's index file. */
  readonly trainDatasetUrl: string | undefined;
  /** TEST_DATASET_URL: the evaluation split's index file. */
  readonly testDatasetUrl: string | undefined;
  /** ORIGINAL_DATASET_URL: the dataset the splits came from. */
  readonly originalDatasetUrl: string | undefined;
  /** DATASET_NAME (federated learning). */
  readonly datasetName: string | undefined;
  /** OUTPUT_URL: where lifelong learning writes its outputs. */
  readonly outputUrl: string | undefined;

  // --- algorithms and user parameters
  /** HEM_NAME: the hard example mining algorithm (see Context.getAlgorithmFromApi). */
  readonly hemName: string | undefined;
  /** HEM_PARAMETERS: JSON list of {key, value}, unparsed. */
  readonly hemParameters: string | undefined;
  /** PARAMETERS: user parameters, a JSON object or the path of a .json file, unparsed. */
  readonly parameters: string | undefined;

  // --- joint inference
  /** MINING_MODE (default inference-then-mining). */
  readonly miningMode: MiningMode;
  /** BIG_MODEL_IP: the cloud big model service (default: this host). */
  readonly bigModelIp: string | undefined;
  /** BIG_MODEL_PORT (default 5000). */
  readonly bigModelPort: number;
  /**
   * BIG_MODEL_ENDPOINTS (this lib's; the original has none): `host:port,...` of every replica of an autoscaled big
   * model service, which the edge spreads its requests over; unset: BIG_MODEL_IP and BIG_MODEL_PORT only.
   */
  readonly bigModelEndpoints: string | undefined;
  /** BIG_MODEL_BIND_IP: where the big model service listens (default: this host). */
  readonly bigModelBindIp: string | undefined;
  /** BIG_MODEL_BIND_PORT (default 5000). */
  readonly bigModelBindPort: number;
  /**
   * BIG_MODEL_WIRE (default auto; this lib's, the original has none): the edge's form of requests to the big model,
   * binary tensors, json (the original's, for its Python service), or auto (the service's GET says which it takes).
   */
  readonly bigModelWire: 'auto' | 'binary' | 'json';

  // --- federated learning
  /** AGG_PROTOCOL (default ws). */
  readonly aggProtocol: string;
  /** AGG_IP (default 127.0.0.1): the aggregation worker. */
  readonly aggIp: string;
  /** AGG_PORT (default 7363). */
  readonly aggPort: number;
  /** AGG_BIND_IP: where the aggregation server listens (default: this host). */
  readonly aggBindIp: string | undefined;
  /** AGG_BIND_PORT (default 7363). */
  readonly aggBindPort: number;
  /** PARTICIPANTS_COUNT (default 1): training workers per round. */
  readonly participantsCount: number;
  /** CONNECT_TIMEOUT (default 300 s). */
  readonly connectTimeoutSeconds: number;
  /** TRANSMITTER (default ws): ws or s3. */
  readonly transmitter: Transmitter;
  /** AGG_DATA_PATH (default "./"): the S3 path of the s3 transmitter. */
  readonly aggDataPath: string;

  // --- lifelong learning
  /** HAS_COMPLETED_INITIAL_TRAINING (default false). */
  readonly hasCompletedInitialTraining: boolean;
  /** CLOUD_KB_INDEX: the cloud KB index after the initial training. */
  readonly cloudKbIndex: string | undefined;

  // --- multi-edge inference
  /** KAFKA_ENABLED (default false). */
  readonly kafkaEnabled: boolean;

  // --- object storage
  /** S3_ENDPOINT_URL (default ""). */
  readonly s3EndpointUrl: string;
  /** ACCESS_KEY_ID (default ""). */
  readonly accessKeyId: string;
  /** SECRET_ACCESS_KEY (default ""); masked by toJSON(). */
  readonly secretAccessKey: string;

  constructor(env: Env = process.env) {
    const read = new EnvReader(env);
    this.backendType = read.textOr(WORKER_ENV.BACKEND_TYPE, 'TENSORFLOW');
    this.cudaVisibleDevices = read.text(WORKER_ENV.CUDA_VISIBLE_DEVICES);
    this.deviceCategory = this.cudaVisibleDevices !== undefined ? 'GPU' : read.textOr(WORKER_ENV.DEVICE_CATEGORY, 'CPU');
    this.logLevel = read.textOr(WORKER_ENV.LOG_LEVEL, 'INFO');

    this.namespace = read.textOr(WORKER_ENV.NAMESPACE, '');
    this.workerName = read.textOr(WORKER_ENV.WORKER_NAME, '');
    this.serviceName = read.textOr(WORKER_ENV.SERVICE_NAME, '');
    this.jobName = read.textOr(WORKER_ENV.JOB_NAME, WORKER_ENV_DEFAULTS.JOB_NAME);

    this.lcServer = read.textOr(WORKER_ENV.LC_SERVER, WORKER_ENV_DEFAULTS.LC_SERVER);
    this.kbServer = read.text(WORKER_ENV.KB_SERVER);
    this.lcPeriodSeconds = read.integer(WORKER_ENV.LC_PERIOD, 30, 1);

    this.modelUrl = read.text(WORKER_ENV.MODEL_URL);
    this.modelUrls = (read.text(WORKER_ENV.MODEL_URLS) ?? '').split(';').map((url) => url.trim()).filter((url) => url !== '');
    this.modelName = read.text(WORKER_ENV.MODEL_NAME);
    this.baseModelUrl = read.text(WORKER_ENV.BASE_MODEL_URL);
    this.pretrainedModelUrl = read.textOr(WORKER_ENV.PRETRAINED_MODEL_URL, './');
    this.modelLoadMode = read.textOr(WORKER_ENV.MODEL_LOAD_MODE, 'file');
    this.modelHotUpdate = read.boolean(WORKER_ENV.MODEL_HOT_UPDATE, false);
    const pollPeriod = read.integer(WORKER_ENV.MODEL_POLL_PERIOD_SECONDS, DEFAULT_POLL_PERIOD_SECONDS, Number.MIN_SAFE_INTEGER);
    this.modelPollPeriodSeconds = pollPeriod < 1 ? DEFAULT_POLL_PERIOD_SECONDS : pollPeriod;
    this.modelHotUpdateConfig = read.text(WORKER_ENV.MODEL_HOT_UPDATE_CONFIG);

    this.dataPathPrefix = read.textOr(WORKER_ENV.DATA_PATH_PREFIX, '/home/data');
    this.trainDatasetUrl = read.text(WORKER_ENV.TRAIN_DATASET_URL);
    this.testDatasetUrl = read.text(WORKER_ENV.TEST_DATASET_URL);
    this.originalDatasetUrl = read.text(WORKER_ENV.ORIGINAL_DATASET_URL);
    this.datasetName = read.text(WORKER_ENV.DATASET_NAME);
    this.outputUrl = read.text(WORKER_ENV.OUTPUT_URL);

    this.hemName = read.text(WORKER_ENV.HEM_NAME);
    this.hemParameters = read.text(WORKER_ENV.HEM_PARAMETERS);
    this.parameters = read.text(WORKER_ENV.PARAMETERS);

    this.miningMode = read.oneOf(WORKER_ENV.MINING_MODE, ['inference-then-mining', 'mining-then-inference'] as const, 'inference-then-mining');
    this.bigModelIp = read.text(WORKER_ENV.BIG_MODEL_IP);
    this.bigModelPort = read.integer(WORKER_ENV.BIG_MODEL_PORT, 5000, 1, 65535);
    this.bigModelEndpoints = read.text(WORKER_ENV.BIG_MODEL_ENDPOINTS);
    this.bigModelBindIp = read.text(WORKER_ENV.BIG_MODEL_BIND_IP);
    this.bigModelBindPort = read.integer(WORKER_ENV.BIG_MODEL_BIND_PORT, 5000, 0, 65535);
    this.bigModelWire = read.oneOf(WORKER_ENV.BIG_MODEL_WIRE, ['auto', 'binary', 'json'] as const, 'auto');

    this.aggProtocol = read.textOr(WORKER_ENV.AGG_PROTOCOL, 'ws');
    this.aggIp = read.textOr(WORKER_ENV.AGG_IP, '127.0.0.1');
    this.aggPort = read.integer(WORKER_ENV.AGG_PORT, 7363, 1, 65535);
    this.aggBindIp = read.text(WORKER_ENV.AGG_BIND_IP);
    this.aggBindPort = read.integer(WORKER_ENV.AGG_BIND_PORT, 7363, 0, 65535);
    this.participantsCount = read.integer(WORKER_ENV.PARTICIPANTS_COUNT, 1, 1);
    this.connectTimeoutSeconds = read.integer(WORKER_ENV.CONNECT_TIMEOUT, 300, 1);
    this.transmitter = read.oneOf(WORKER_ENV.TRANSMITTER, ['ws', 's3'] as const, 'ws');
    this.aggDataPath = read.textOr(WORKER_ENV.AGG_DATA_PATH, './');

    this.hasCompletedInitialTraining = read.boolean(WORKER_ENV.HAS_COMPLETED_INITIAL_TRAINING, false);
    this.cloudKbIndex = read.text(WORKER_ENV.CLOUD_KB_INDEX);

    this.kafkaEnabled = read.boolean(WORKER_ENV.KAFKA_ENABLED, false);

    this.s3EndpointUrl = read.textOr(WORKER_ENV.S3_ENDPOINT_URL, '');
    this.accessKeyId = read.textOr(WORKER_ENV.ACCESS_KEY_ID, '');
    this.secretAccessKey = read.textOr(WORKER_ENV.SECRET_ACCESS_KEY, '');
  }

  /**
   * The PARAMETERS user parameters as an object: PARAMETERS holds either a JSON object or the path of a
   * .json file. (The original also read .yaml and .py files; those are not supported here and say so.)
   */
  userParameters(): Record<string, unknown> {
    const raw = this.parameters;
    if (raw === undefined) return {};
    const trimmed = raw.trim();
    if (trimmed.startsWith('{')) return parseJsonObject(trimmed, 'environment variable PARAMETERS');
    const extension = extname(trimmed).toLowerCase();
    if (extension === '.json') {
      let text: string;
      try {
        text = readFileSync(trimmed, 'utf8');
      } catch (error) {
        throw new Error(`environment variable PARAMETERS: cannot read ${trimmed}: ${(error as Error).message}`, { cause: error });
      }
      return parseJsonObject(text, `parameters file ${trimmed} (from PARAMETERS)`);
    }
    if (extension === '.yaml' || extension === '.yml' || extension === '.py') {
      throw new Error(`environment variable PARAMETERS: ${extension} parameter files are not implemented; use a .json file or a JSON object`);
    }
    throw new Error(`environment variable PARAMETERS: expected a JSON object or the path of a .json file, got ${JSON.stringify(raw)}`);
  }

  /** All settings as a plain object, with the S3 secret masked (safe to log). */
  toJSON(): Record<string, unknown> {
    const plain: Record<string, unknown> = { ...(this as object) };
    if (this.secretAccessKey !== '') plain['secretAccessKey'] = '***';
    return plain;
  }
}

function parseJsonObject(text: string, source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${source}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** A pluggable algorithm chosen by name, with its parameters: the original's "method dict". */
export interface AlgorithmSpec {
  readonly method: string;
  readonly param: Readonly<Record<string, ParamValue>>;
}

/** Reads parameters and algorithm choices from the worker's environment. */
export class Context {
  constructor(private readonly env: Env = process.env) {}

  /**
   * env[name], else env[NAME]; an unset or empty value gives `fallback`. With a number or boolean fallback
   * the text is converted to that type (an error names the variable when it does not parse).
   */
  getParameters(name: string): string | undefined;
  getParameters(name: string, fallback: string): string;
  getParameters(name: string, fallback: number): number;
  getParameters(name: string, fallback: boolean): boolean;
  getParameters(name: string, fallback?: ParamValue): ParamValue | undefined {
    const exact = this.env[name];
    const upper = name.toUpperCase();
    const text = exact !== undefined && exact !== '' ? exact : this.env[upper];
    if (text === undefined || text === '') return fallback;
    if (fallback === undefined) return text;
    const variable = exact !== undefined && exact !== '' ? name : upper;
    return convertLike(text, fallback, `environment variable ${variable}`);
  }

  /**
   * The algorithm the control plane chose for `prefix` (e.g. "HEM"): `{method: <PREFIX>_NAME,
   * param: {key: value}}` from the JSON list `[{key, value}]` in `<PREFIX>_PARAMETERS`, then `overrides`.
   * Undefined when `<PREFIX>_NAME` is unset. Unlike the original, bad JSON is an error, not `{}`.
   */
  getAlgorithmFromApi(prefix: string, overrides: Readonly<Record<string, ParamValue>> = {}): AlgorithmSpec | undefined {
    const method = this.getParameters(`${prefix}_NAME`);
    if (method === undefined) return undefined;
    const variable = `${prefix}_PARAMETERS`;
    const raw = this.getParameters(variable);
    const param: Record<string, ParamValue> = raw === undefined ? {} : parseKeyValueList(raw, `environment variable ${variable}`);
    return { method, param: { ...param, ...overrides } };
  }
}

/** Parses the CRD's `parameters: [{key, value}]` list as the control plane serializes it. */
export function parseKeyValueList(text: string, source: string): Record<string, ParamValue> {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(list)) throw new Error(`${source}: expected a JSON list of {"key", "value"} objects`);
  const param: Record<string, ParamValue> = {};
  list.forEach((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object' || typeof (entry as { key?: unknown }).key !== 'string') {
      throw new Error(`${source}: entry ${index} must be an object with a string "key"`);
    }
    const { key, value } = entry as { key: string; value?: unknown };
    if (value === undefined || value === null) param[key] = '';
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') param[key] = value;
    else throw new Error(`${source}: entry ${index} (key "${key}"): value must be a string, number or boolean`);
  });
  return param;
}
