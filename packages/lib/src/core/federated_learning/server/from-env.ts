/**
 * An aggregation server configured from the aggregation worker's environment (sedna-reference §3.10 and the job's
 * user env; see settings.ts), with what only the worker program knows: the estimator (the model's format, the
 * pretrained model's loader) and the evaluation of the global model on the aggregator's own test data.
 */
import type { Env } from '../../../common/config.js';
import { readBytes } from '../../../storage/storage.js';
import { S3Transmitter } from '../../../transmitter/s3-transmitter.js';
import { decodeWeightsMessage } from '../../../transmitter/weights-codec.js';
import type { Estimator, Metrics, WeightTensor } from '../../estimator.js';
import { stderrLog, type LogLine } from '../log.js';
import { FederatedReporter } from '../report.js';
import { aggregatorSettingsFromEnv, type AggregatorSettings } from '../settings.js';
import { AggregationServer, type AggregationServerOptions } from './aggregation-server.js';

export interface AggregatorFromEnvOptions {
  env?: Env;
  /** The model: its initial weights start round 1 (unless PRETRAINED_MODEL_URL is set), and it saves the result. */
  estimator?: Estimator;
  evaluate?: (weights: readonly WeightTensor[]) => Promise<Metrics>;
  log?: LogLine;
  /** Anything else to override (tests pick a port, a timeout). */
  overrides?: Partial<AggregationServerOptions>;
}

/** The model PRETRAINED_MODEL_URL names: through the estimator when there is one, else a binary weights file. */
async function pretrainedWeights(url: string, estimator: Estimator | undefined): Promise<readonly WeightTensor[]> {
  try {
    if (estimator !== undefined) {
      await estimator.load(url);
      return estimator.getWeights();
    }
    return decodeWeightsMessage(await readBytes(url)).weights;
  } catch (error) {
    throw new Error(`PRETRAINED_MODEL_URL ${url} cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
}

export async function aggregationServerFromEnv(options: AggregatorFromEnvOptions = {}): Promise<{ server: AggregationServer; settings: AggregatorSettings }> {
  const env = options.env ?? process.env;
  const settings = aggregatorSettingsFromEnv(env);
  const log = options.log ?? stderrLog(`aggregator ${settings.workerName}`);
  const initialWeights = settings.pretrainedModelUrl === undefined ? undefined : await pretrainedWeights(settings.pretrainedModelUrl, options.estimator);
  const reporter = FederatedReporter.fromEnv(env, log);
  const server = new AggregationServer({
    aggregation: settings.aggregation,
    participantsCount: settings.participantsCount,
    exitRound: settings.exitRound,
    minClients: settings.minClients,
    roundTimeoutMs: settings.roundTimeoutMs,
    host: settings.bindHost,
    port: settings.bindPort,
    jobName: settings.jobName,
    ...(settings.jobUid === undefined ? {} : { jobUid: settings.jobUid }),
    ...(settings.credential === undefined ? {} : { credential: settings.credential }),
    workerName: settings.workerName,
    lingerMs: settings.lingerMs,
    mistnet: settings.mistnet,
    ...(settings.broadcastCompression === undefined ? {} : { broadcastCompression: settings.broadcastCompression }),
    ...(settings.clientChoose === undefined ? {} : { clientChoose: settings.clientChoose }),
    log,
    ...(initialWeights === undefined ? {} : { initialWeights }),
    ...(options.estimator === undefined ? {} : { estimator: options.estimator }),
    ...(options.evaluate === undefined ? {} : { evaluate: options.evaluate }),
    ...(settings.modelUrl === undefined ? {} : { modelUrl: settings.modelUrl }),
    ...(settings.checkpointUrl === undefined ? {} : { checkpointUrl: settings.checkpointUrl }),
    ...(settings.transmitter === 's3' ? { s3: S3Transmitter.fromEnv(env) } : {}),
    ...(reporter === undefined ? {} : { reporter }),
    ...options.overrides,
  });
  return { server, settings };
}
