/**
 * The training worker of federated learning (the original's FederatedLearning(estimator, aggregation)): it trains
 * the estimator on the worker's own data, sends the weights and the sample count to the aggregator, takes the
 * aggregated model back, and repeats until the aggregator says the last round is done.
 *
 * Unlike the original it starts from the aggregator's model (all workers start alike), applies FedProx's proximal
 * term when the aggregator's strategy asks for it, can compress its updates, reconnects and rejoins the current
 * round when the connection drops (or the aggregator restarts), and reports its progress to the local controller
 * with the owner kind the LC routes on.
 */
import { randomFillSync } from 'node:crypto';
import { delayOrAbort } from '../../../common/abortable-delay.js';
import type { AlgorithmSpec, Env } from '../../../common/config.js';
import { TRAIN_DEFAULTS } from '../../../backend/train-options.js';
import type { ModelResult } from '../../../reporter/message.js';
import { S3Transmitter } from '../../../transmitter/s3-transmitter.js';
import type { Estimator, Labels, Metrics, Tensor, TrainOptions, WeightTensor } from '../../estimator.js';
import type { ModelSpec } from '../../../backend/model-spec.js';
import { encodeWeightsMessage } from '../../../transmitter/weights-codec.js';
import { WeightsEncoder, encodeFrame } from '../frames.js';
import { extractFeatures } from '../mistnet.js';
import { stderrLog, type LogLine } from '../log.js';
import type { ClientMetrics, GlobalHeader, RoundConfig, RoundSummary, UpdateHeader } from '../protocol.js';
import { FederatedReporter } from '../report.js';
import { trainerSettingsFromEnv } from '../settings.js';
import { cloneWeights } from '../structure.js';
import { AggregatorConnection, AggregatorRefusedWorker, type Inbound } from './connection.js';
import { probeAggregatorWire } from './wire-probe.js';
import type { Wire } from '../protocol.js';
import { proximalStep } from './proximal.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface FederatedLearningOptions {
  estimator: Estimator;
  /** The worker's environment (default process.env): AGG_IP, AGG_PORT, WORKER_NAME, `epochs`, ... */
  env?: Env;
  /** Overrides of what the environment says. */
  aggregatorUrl?: string;
  workerName?: string;
  jobName?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** A codec for the updates (`Float16`, `Int8Linear`, `TopK`); default: the `compression` env, else none. */
  compression?: AlgorithmSpec | string;
  /** Send the difference to the global model instead of the weights (default: when compressing). */
  sendDelta?: boolean;
  /** More options for estimator.train (seed, optimizer, ...). */
  trainOptions?: TrainOptions;
  /** How long to keep trying to reach the aggregator after losing it (default CONNECT_TIMEOUT, 300 s). */
  connectTimeoutMs?: number;
  /** The job's credential the aggregator checks (default SEDNA_JOB_CREDENTIAL). */
  credential?: string;
  /**
   * binary, json (the original Python aggregation server's messages) or auto (default AGG_WIRE, else auto: the
   * aggregator's GET /<aggregation> says whether it takes binary frames).
   */
  wire?: Wire | 'auto';
  /** The longest wait for the aggregator's next model after sending an update (default AGG_RECV_TIMEOUT, 600 s). */
  recvTimeoutMs?: number;
  /** On the binary wire, the longest wait for sync_weight after subscribing (default 30 s). */
  syncTimeoutMs?: number;
  /** Where to save the final model on this worker, if anywhere (the aggregator saves MODEL_URL). */
  saveModelUrl?: string;
  /** Progress reports; default from LC_SERVER (none when unset); false for none. */
  reporter?: FederatedReporter | false;
  /** Weights through S3 objects; default: when TRANSMITTER is s3. */
  s3?: S3Transmitter;
  log?: LogLine;
}

export interface TrainData {
  readonly x: Tensor;
  readonly y: Labels;
}

export interface FederatedTrainResult {
  /** Rounds the aggregator completed. */
  readonly rounds: number;
  /** Rounds this worker trained for (a worker that joined late, or was refused, trains fewer). */
  readonly roundsTrained: number;
  /** The aggregator's per-round outcomes, as sent with the last round. */
  readonly history: readonly RoundSummary[];
  /** The estimator, holding the final global model. */
  readonly estimator: Estimator;
  /** Bytes sent to and received from the aggregator (frames, or S3 objects). */
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Per round trained: local training and the wait from sending the update to getting the next model. */
  readonly timings: readonly RoundTiming[];
}

export interface RoundTiming {
  readonly round: number;
  /** performance.now() when local training began (comparable between workers of one process). */
  readonly trainStart: number;
  readonly trainMs: number;
  waitMs: number;
}

interface RoundState {
  /** Rounds the aggregator has completed, as far as this worker knows. */
  completed: number;
  /** The global model the current round started from (what deltas and FedProx refer to). */
  base: WeightTensor[] | undefined;
  config: RoundConfig;
  /** The round an update was sent for and is awaiting its result. */
  awaiting: number | undefined;
  sentAt: number;
  /** The round this worker already trained again after a refusal (once per round: a second refusal waits). */
  retried: number | undefined;
  /** A model came from the aggregator since the last connect (this lib's wire sends one at once). */
  synced?: boolean;
}

const RECONNECT_INITIAL_DELAY_MS = 250;
const RECONNECT_MAX_DELAY_MS = 5_000;
/** An aggregator of this lib sends sync_weight at once after the subscription; one that does not is not one. */
const SYNC_TIMEOUT_MS = 30_000;

export class FederatedLearning {
  readonly estimator: Estimator;
  readonly workerName: string;
  readonly jobName: string;
  readonly aggregatorUrl: string;
  private readonly log: LogLine;
  private readonly epochs: number;
  private readonly batchSize: number;
  private readonly learningRate: number | undefined;
  private readonly encoder: WeightsEncoder;
  private readonly sendDelta: boolean;
  private readonly connectTimeoutMs: number;
  private readonly credential: string | undefined;
  private readonly reporter: FederatedReporter | undefined;
  private readonly s3: S3Transmitter | undefined;
  private readonly modelUrl: string | undefined;
  private connection: AggregatorConnection | undefined;
  /** The wire asked for (auto until the aggregator said), and the one found. */
  private readonly wireChoice: Wire | 'auto';
  private wire: Wire | undefined;
  private readonly recvTimeoutMs: number;
  private bytesSent = 0;
  private bytesReceived = 0;

  constructor(private readonly options: FederatedLearningOptions) {
    const env = options.env ?? process.env;
    const settings = trainerSettingsFromEnv(options.workerName ? { ...env, [WORKER_ENV.WORKER_NAME]: options.workerName } : env);
    this.estimator = options.estimator;
    this.workerName = options.workerName ?? settings.workerName;
    this.jobName = options.jobName ?? settings.jobName;
    this.aggregatorUrl = options.aggregatorUrl ?? settings.aggregatorUrl;
    this.log = options.log ?? stderrLog(`trainer ${this.workerName}`);
    this.epochs = options.epochs ?? settings.epochs;
    this.batchSize = options.batchSize ?? settings.batchSize;
    this.learningRate = options.learningRate ?? settings.learningRate;
    this.encoder = new WeightsEncoder(options.compression ?? settings.compression);
    this.sendDelta = options.sendDelta ?? this.encoder.compression !== undefined;
    this.connectTimeoutMs = options.connectTimeoutMs ?? settings.connectTimeoutMs;
    this.credential = options.credential ?? settings.credential;
    this.reporter = options.reporter === false ? undefined : (options.reporter ?? FederatedReporter.fromEnv(env, this.log));
    this.s3 = options.s3 ?? (settings.transmitter === 's3' ? S3Transmitter.fromEnv(env) : undefined);
    this.modelUrl = settings.modelUrl;
    this.wireChoice = options.wire ?? settings.wire;
    this.wire = this.wireChoice === 'auto' ? undefined : this.wireChoice;
    this.recvTimeoutMs = options.recvTimeoutMs ?? settings.recvTimeoutMs;
    if (this.wire === 'json' && this.s3 !== undefined) throw new Error('AGG_WIRE=json (the original\'s messages) carries the weights in the messages; it cannot be used with TRANSMITTER=s3');
  }

  /**
   * Runs rounds until the aggregator's exit flag: train locally, send, take the aggregate. Resolves with the
   * estimator holding the final global model. `signal` aborts (the connection is dropped, as in a crash).
   */
  async train(data: TrainData, options: { signal?: AbortSignal } = {}): Promise<FederatedTrainResult> {
    const samples = data.x.shape[0] ?? 0;
    if (!Number.isInteger(samples) || samples < 1) throw new Error(`federated learning: the training data has no samples (x.shape ${JSON.stringify(data.x.shape)})`);
    const signal = options.signal;
    const state: RoundState = { completed: 0, base: undefined, config: { algorithm: 'FedAvg' }, awaiting: undefined, sentAt: 0, retried: undefined };
    const timings: RoundTiming[] = [];
    let roundsTrained = 0;
    signal?.addEventListener('abort', () => this.connection?.terminate(), { once: true });
    try {
      this.connection = await this.connect(signal);
      // The original's aggregator sends nothing before the first round: a worker starts from its own model.
      if (this.connection.wire === 'json') {
        await this.trainAndSend(data, state, timings, signal);
        roundsTrained++;
      }
      for (;;) {
        const message: Inbound = await this.nextMessage(this.connection, state, signal);
        if (message.kind === 'closed') {
          this.log(`${message.error.message}; reconnecting`);
          this.connection = await this.connect(signal);
          state.synced = false;
          if (this.connection.wire === 'json' && state.awaiting !== undefined) {
            // The original forgets a worker's update when its connection goes: send this round's again.
            await this.trainAndSend(data, state, timings, signal);
            roundsTrained++;
          }
          continue;
        }
        if (message.kind === 'broken') throw message.error;
        if (message.kind === 'reject') {
          this.log(`the aggregator refused this worker's update for round ${message.header.round_number}: ${message.header.reason}`);
          const round = message.header.round_number;
          if (message.retry && round === state.completed + 1 && state.retried !== round) {
            // Start the round again from the global model: the local model went somewhere unusable.
            state.retried = round;
            if (state.base !== undefined) this.estimator.setWeights(state.base);
            await this.trainAndSend(data, state, timings, signal);
            roundsTrained++;
          }
          continue;
        }
        const { header, weights } = message;
        this.adopt(state, header, weights, timings);
        if (header.type === 'recv_weight') {
          this.reporter?.report('running', { currentRound: header.round_number, sampleCount: header.total_sample, localSamples: samples });
        }
        if (header.exit_flag === 'ok') {
          return await this.finish(state, header.history ?? (header.summary ? [header.summary] : []), roundsTrained, timings);
        }
        if (header.selected === null || (header.selected !== undefined && !header.selected.includes(this.workerName))) {
          // Client choice: another round's turn (or the aggregator is still choosing).
          continue;
        }
        if (header.type === 'sync_weight' && header.submitted === true) {
          state.awaiting = header.round_number + 1;
          continue;
        }
        await this.trainAndSend(data, state, timings, signal);
        roundsTrained++;
      }
    } catch (error) {
      this.reporter?.report('failed', { currentRound: state.completed, error: (error as Error).message });
      await this.reporter?.flush();
      throw error;
    } finally {
      this.collectBytes();
      this.connection?.close();
      this.connection = undefined;
    }
  }

  /**
   * The aggregator's next message, within a bound: on this lib's wire the sync_weight that follows the subscription
   * (SYNC_TIMEOUT_MS), on the original's the recv_weight after an update (AGG_RECV_TIMEOUT). A silent aggregator
   * is an error that says why, not a wait forever.
   */
  private async nextMessage(connection: AggregatorConnection, state: RoundState, signal: AbortSignal | undefined): Promise<Inbound> {
    const bound = connection.wire === 'json' ? (state.awaiting !== undefined ? this.recvTimeoutMs : undefined) : state.synced ? undefined : (this.options.syncTimeoutMs ?? SYNC_TIMEOUT_MS);
    if (bound === undefined) return connection.next(signal);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), bound);
    try {
      return await connection.next(signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]));
    } catch (error) {
      if (!timeout.signal.aborted || signal?.aborted) throw error;
      if (connection.wire === 'json') {
        throw new Error(`no recv_weight from the aggregator at ${this.aggregatorUrl} within ${bound / 1000} s after the update for round ${state.awaiting} (AGG_RECV_TIMEOUT): it is still waiting for other workers, or it is not an aggregation server`, { cause: error });
      }
      throw new Error(
        `the aggregator at ${this.aggregatorUrl} acknowledged the subscription but sent no sync_weight within ${bound / 1000} s: it does not speak this lib's binary wire (an aggregation server of the original Python lib?); set AGG_WIRE=json, or leave AGG_WIRE unset to ask it`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Takes the aggregator's model and round. */
  private adopt(state: RoundState, header: GlobalHeader, weights: WeightTensor[] | undefined, timings: RoundTiming[]): void {
    state.synced = true;
    if (header.has_weights && weights !== undefined && this.connection?.wire === 'json') {
      // The original's weights have no names: they are this model's, by position.
      const names = this.estimator.getWeights().map((tensor) => tensor.name);
      weights = weights.map((tensor, index) => ({ ...tensor, name: names[index] ?? tensor.name }));
    }
    if (header.has_weights && weights !== undefined) {
      this.estimator.setWeights(weights);
      state.base = cloneWeights(weights);
    }
    if (header.type === 'recv_weight' && state.awaiting !== undefined && header.round_number >= state.awaiting) {
      const timing = timings.find((entry) => entry.round === state.awaiting);
      if (timing !== undefined) timing.waitMs = performance.now() - state.sentAt;
      state.awaiting = undefined;
    }
    state.completed = header.round_number;
    state.config = header.config;
  }

  private async trainAndSend(data: TrainData, state: RoundState, timings: RoundTiming[], signal: AbortSignal | undefined): Promise<void> {
    if (state.config.algorithm === 'MistNet') return this.sendFeatures(data, state, timings);
    const round = state.completed + 1;
    const started = performance.now();
    const metrics = await this.trainLocally(data, state);
    const trainMs = performance.now() - started;
    signal?.throwIfAborted();
    const weights = this.estimator.getWeights();
    const delta = this.sendDelta && state.base !== undefined;
    const body = this.encoder.encode(delta ? difference(weights, state.base!) : weights);
    const header: UpdateHeader = {
      type: 'update_weight',
      client: this.workerName,
      job_name: this.jobName,
      round_number: round,
      num_samples: data.x.shape[0]!,
      ...(metrics === undefined ? {} : { metrics }),
      ...(delta ? { delta: true } : {}),
    };
    state.awaiting = round;
    state.sentAt = performance.now();
    timings.push({ round, trainStart: started, trainMs, waitMs: 0 });
    try {
      if (this.connection!.wire === 'json') await this.connection!.sendUpdateJson(header, weights);
      else await this.connection!.sendUpdate(header, body, weights);
    } catch (error) {
      // The connection dropped: the reconnect that follows resynchronises, and the round is trained again if needed.
      this.log(`sending the update for round ${round} failed: ${(error as Error).message}`);
    }
  }

  /** MistNet: instead of training, the edge part's noised features of the local data go to the aggregator. */
  private async sendFeatures(data: TrainData, state: RoundState, timings: RoundTiming[]): Promise<void> {
    const round = state.completed + 1;
    const { cut_layer: cutLayer, epsilon, clip } = state.config;
    const spec = (this.estimator as { spec?: ModelSpec }).spec;
    if (spec === undefined || cutLayer === undefined || epsilon === undefined || clip === undefined) {
      throw new Error('MistNet needs an estimator with a model spec (a dense network) and the aggregator\'s cut_layer, epsilon and clip');
    }
    const started = performance.now();
    const features = await extractFeatures(spec, state.base ?? this.estimator.getWeights(), { cutLayer, epsilon, clip }, data.x, secureRandom());
    const trainMs = performance.now() - started;
    const n = data.x.shape[0]!;
    const labels = Float32Array.from(data.y as ArrayLike<number>);
    const header = { type: 'upload_features', client: this.workerName, job_name: this.jobName, round_number: round, num_samples: n };
    const body = encodeWeightsMessage({ weights: [{ name: 'features', shape: features.shape, data: features.data }, { name: 'labels', shape: [n], data: labels }] });
    state.awaiting = round;
    state.sentAt = performance.now();
    timings.push({ round, trainStart: started, trainMs, waitMs: 0 });
    try {
      await this.connection!.sendFrame(encodeFrame(header, body));
    } catch (error) {
      this.log(`sending the features for round ${round} failed: ${(error as Error).message}`);
    }
  }

  private async trainLocally(data: TrainData, state: RoundState): Promise<ClientMetrics | undefined> {
    const learningRate = this.learningRate ?? (this.options.trainOptions?.learningRate as number | undefined) ?? TRAIN_DEFAULTS.learningRate;
    const mu = state.config.proximal_mu ?? 0;
    const proximal = mu > 0 && state.base !== undefined ? proximalStep(this.estimator, state.base, mu, learningRate) : undefined;
    const userBatchEnd = this.options.trainOptions?.['onBatchEnd'] as ((...args: unknown[]) => void) | undefined;
    const trainOptions: TrainOptions = {
      ...this.options.trainOptions,
      epochs: this.epochs,
      batchSize: this.batchSize,
      ...(this.learningRate === undefined ? {} : { learningRate: this.learningRate }),
      ...(proximal === undefined
        ? {}
        : {
            onBatchEnd: (...args: unknown[]) => {
              proximal.onBatchEnd();
              userBatchEnd?.(...args);
            },
          }),
    };
    const result: Metrics = await this.estimator.train(data.x, data.y, trainOptions);
    if (proximal !== undefined && proximal.steps() === 0) {
      // An estimator that never calls onBatchEnd still gets the term, once for the whole local training.
      proximalStep(this.estimator, state.base!, mu, learningRate).onBatchEnd();
      this.log('the estimator does not call onBatchEnd: the FedProx proximal step was applied once per round');
    }
    const metrics: { loss?: number; accuracy?: number } = {};
    if (Number.isFinite(result['loss'])) metrics.loss = result['loss']!;
    if (Number.isFinite(result['accuracy'])) metrics.accuracy = result['accuracy']!;
    return Object.keys(metrics).length > 0 ? metrics : undefined;
  }

  private async finish(state: RoundState, history: readonly RoundSummary[], roundsTrained: number, timings: FederatedTrainResult['timings']): Promise<FederatedTrainResult> {
    this.log(`finished: the aggregator completed ${state.completed} round(s); this worker trained ${roundsTrained}`);
    if (this.options.saveModelUrl !== undefined) await this.estimator.save(this.options.saveModelUrl);
    this.reporter?.report('completed', { currentRound: state.completed, sampleCount: history.at(-1)?.totalSamples ?? 0 }, this.results(history));
    await this.reporter?.flush();
    this.collectBytes();
    return { rounds: state.completed, roundsTrained, history, estimator: this.estimator, bytesSent: this.bytesSent, bytesReceived: this.bytesReceived, timings };
  }

  /** The aggregated model (MODEL_URL, written by the aggregation worker) with its per-round global metrics. */
  private results(history: readonly RoundSummary[]): ModelResult[] | undefined {
    if (this.modelUrl === undefined) return undefined;
    const accuracy = history.map((record) => record.accuracy ?? record.trainAccuracy).filter((value): value is number => value !== undefined);
    const loss = history.map((record) => record.loss ?? record.trainLoss).filter((value): value is number => value !== undefined);
    const metrics: Record<string, number[]> = {};
    if (accuracy.length > 0) metrics['accuracy'] = accuracy;
    if (loss.length > 0) metrics['loss'] = loss;
    const format = /\.onnx$/i.test(this.modelUrl) ? 'onnx' : (/\.([A-Za-z0-9]+)$/.exec(this.modelUrl)?.[1]?.toLowerCase() ?? 'tfjs');
    return [{ format, url: this.modelUrl, ...(Object.keys(metrics).length > 0 ? { metrics } : {}) }];
  }

  /** Connects and subscribes, retrying with backoff for up to connectTimeoutMs. */
  private async connect(signal: AbortSignal | undefined): Promise<AggregatorConnection> {
    this.collectBytes();
    const deadline = Date.now() + this.connectTimeoutMs;
    let delay = RECONNECT_INITIAL_DELAY_MS;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      try {
        const timeoutMs = Math.max(1000, Math.min(30_000, deadline - Date.now()));
        if (this.wire === undefined) {
          this.wire = await probeAggregatorWire(this.aggregatorUrl, timeoutMs, this.credential);
          this.log(`the aggregator at ${this.aggregatorUrl} speaks ${this.wire === 'binary' ? "this lib's binary wire" : "the original lib's JSON messages"}`);
          if (this.wire === 'json' && this.s3 !== undefined) throw new FatalConnectError("the aggregator speaks the original's JSON messages, which cannot be used with TRANSMITTER=s3");
        }
        const connection = await AggregatorConnection.open({
          url: this.aggregatorUrl,
          clientId: this.workerName,
          ...(this.credential === undefined ? {} : { credential: this.credential }),
          timeoutMs,
          wire: this.wire,
          ...(this.s3 === undefined ? {} : { s3: this.s3 }),
        });
        if (attempt > 1) this.log(`connected to the aggregator at ${this.aggregatorUrl} after ${attempt} attempts`);
        return connection;
      } catch (error) {
        // Refused (not this job's credential): no retry can change that.
        if (error instanceof FatalConnectError || error instanceof AggregatorRefusedWorker) throw error;
        if (Date.now() + delay > deadline) {
          throw new Error(`cannot reach the aggregator at ${this.aggregatorUrl} within ${this.connectTimeoutMs / 1000} s (CONNECT_TIMEOUT): ${(error as Error).message}`, { cause: error });
        }
        if (attempt === 1) this.log(`${(error as Error).message}; retrying`);
        await delayOrAbort(delay, signal);
        delay = Math.min(RECONNECT_MAX_DELAY_MS, delay * 2);
      }
    }
  }

  /** Adds the current connection's byte counts to the totals (connections come and go). */
  private collectBytes(): void {
    const connection = this.connection;
    if (connection === undefined) return;
    this.bytesSent += connection.bytesSent;
    this.bytesReceived += connection.bytesReceived;
    connection.bytesSent = 0;
    connection.bytesReceived = 0;
  }
}

/** A connect failure that trying again cannot mend. */
class FatalConnectError extends Error {}

function difference(weights: readonly WeightTensor[], base: readonly WeightTensor[]): WeightTensor[] {
  return weights.map((tensor, index) => {
    const reference = base[index]!.data;
    const data = new Float32Array(tensor.data.length);
    for (let position = 0; position < data.length; position++) data[position] = tensor.data[position]! - reference[position]!;
    return { name: tensor.name, shape: tensor.shape, data };
  });
}

/** Uniform numbers in [0, 1) from the operating system's generator: the privacy noise must not be predictable. */
function secureRandom(): () => number {
  const buffer = new Uint32Array(4096);
  let next = buffer.length;
  return () => {
    if (next === buffer.length) {
      randomFillSync(buffer);
      next = 0;
    }
    return buffer[next++]! / 0x1_0000_0000;
  };
}
