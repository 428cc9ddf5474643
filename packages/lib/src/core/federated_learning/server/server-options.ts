/**
 * What the aggregation server takes (its options) and tells (its status, its result); the server is
 * aggregation-server.ts.
 */
import type { Aggregation } from '../../../algorithms/aggregation/types.js';
import type { ClientChoose } from '../../../algorithms/client_choose/types.js';
import type { AlgorithmSpec } from '../../../common/config.js';
import type { S3Transmitter } from '../../../transmitter/s3-transmitter.js';
import type { Estimator, Metrics, WeightTensor } from '../../estimator.js';
import type { LogLine } from '../log.js';
import type { SavedModel } from '../model-output.js';
import type { RoundRecord } from '../protocol.js';
import type { FederatedReporter } from '../report.js';
import type { MistNetTraining } from './mistnet-rounds.js';

export interface AggregationServerOptions {
  /** The strategy: a registry name, a method dict `{method, param}`, or an instance. */
  aggregation: string | AlgorithmSpec | Aggregation;
  /** Training workers per round (PARTICIPANTS_COUNT). */
  participantsCount: number;
  /** Rounds to run (`exit_round`). */
  exitRound: number;
  /** Usable updates a round needs to end by timeout (default 1). */
  minClients?: number;
  /** How long after its first update a round waits for the others (default 600 s). */
  roundTimeoutMs?: number;
  /**
   * Client choice: which connected workers of this lib train each round (SimpleClientChoose, FractionClientChoose);
   * a name, a method dict or an instance. Default: every worker, every round.
   */
  clientChoose?: string | AlgorithmSpec | ClientChoose;
  /** Bind address (default 127.0.0.1; the GM gives AGG_BIND_IP) and port (default 7363; 0 picks a free one). */
  host?: string;
  port?: number;
  jobName?: string;
  /** The job's uid (SEDNA_JOB_UID): a checkpoint of another uid, an earlier job of the same name, is not resumed. */
  jobUid?: string;
  workerName?: string;
  /**
   * The job's credential (SEDNA_JOB_CREDENTIAL): every caller, websocket or HTTP, must present it (caller-auth.ts).
   * None: the server is open, as the original's.
   */
  credential?: string;
  /** The model the first round starts from; default: the estimator's weights, else the workers' own. */
  initialWeights?: readonly WeightTensor[];
  /** Saves the final model in the estimator's format (or ONNX for a `.onnx` MODEL_URL). */
  estimator?: Estimator;
  /** Evaluates each new global model (the aggregator's own test data): its loss and accuracy go into the records. */
  evaluate?: (weights: readonly WeightTensor[]) => Promise<Metrics>;
  /** Where the final model goes (MODEL_URL); none: it is not saved. */
  modelUrl?: string;
  /** Where the state goes after each round; none: no checkpoints. */
  checkpointUrl?: string;
  /** Weights through objects under AGG_DATA_PATH instead of websocket frames. */
  s3?: S3Transmitter;
  reporter?: FederatedReporter;
  log?: LogLine;
  /**
   * A codec for the global model sent to workers (`Float16`, `Int8Linear`); default none (float32). The aggregator
   * then keeps the decoded model as its global one, so that it and the workers hold the same numbers.
   */
  broadcastCompression?: AlgorithmSpec | string;
  /** MistNet: how the cloud trains the layers after the cut (default 5 epochs of batch 32) and the clipping bound (4). */
  mistnet?: MistNetTraining;
  /** Largest frame accepted (default 512 MiB). */
  maxPayloadBytes?: number;
  /** After the last round, how long run() waits for workers to disconnect (default 30 s). */
  lingerMs?: number;
  /**
   * Websocket ping period (default 15 s). A worker that answers none of 4 pings in a row is dropped: a crashed
   * process closes its connection at once, so pings only find lost networks, and a worker busy in a long training
   * step must not be taken for one.
   */
  pingIntervalMs?: number;
}

export interface FederatedResult {
  readonly rounds: number;
  readonly history: readonly RoundRecord[];
  readonly weights: readonly WeightTensor[] | undefined;
  readonly model: SavedModel | undefined;
}

export interface AggregatorStatus {
  readonly completedRounds: number;
  readonly exitRound: number;
  readonly finished: boolean;
  readonly connected: readonly string[];
  readonly openRound: { readonly number: number; readonly answered: number; readonly usable: number };
  readonly history: readonly RoundRecord[];
  readonly resumedFrom: number | undefined;
}
