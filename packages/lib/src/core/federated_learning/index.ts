/**
 * Federated learning (sedna-reference §4.4): the aggregation worker's AggregationServer and the training workers'
 * FederatedLearning client, over the original's websocket protocol (JSON) or the lib's binary frames.
 */
export { AggregationServer } from './server/aggregation-server.js';
export type { AggregationServerOptions, AggregatorStatus, FederatedResult } from './server/aggregation-server.js';
export { aggregationServerFromEnv } from './server/from-env.js';
// The server's steps without its sockets, for benchmarks that time them as the server runs them.
export { readWorkerInput } from './server/worker-input.js';
export type { ReadContext, WorkerInput } from './server/worker-input.js';
export { RoundCoordinator } from './server/round-coordinator.js';
export type { CoordinatorDecision, RoundRules, WeightsUpdate } from './server/round-coordinator.js';
export { aggregateClosedRound } from './server/combine.js';
export type { CombinedRound } from './server/combine.js';
export { ArenaPlacement } from './server/arena-placement.js';
export type { UpdatePlacement } from './server/open-round.js';
export type { AggregatorFromEnvOptions } from './server/from-env.js';
export { FederatedLearning } from './client/federated-learning.js';
export type { FederatedLearningOptions, FederatedTrainResult, RoundTiming, TrainData } from './client/federated-learning.js';
export { AggregatorConnection } from './client/connection.js';
export type { ConnectionOptions, Inbound } from './client/connection.js';
export { proximalStep } from './client/proximal.js';
export { WeightsEncoder, decodeFrame, decodeWeightsBody, encodeFrame } from './frames.js';
export type { DecodeFrameOptions, DecodedFrame } from './frames.js';
export { positionalName, weightsFromNested, weightsToNested } from './json-weights.js';
export { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export type { Checkpoint } from './checkpoint.js';
export { saveGlobalModel } from './model-output.js';
export type { SavedModel } from './model-output.js';
export { FederatedReporter } from './report.js';
export type { FederatedReporterOptions } from './report.js';
export { aggregationFromEnv, aggregatorSettingsFromEnv, trainerSettingsFromEnv } from './settings.js';
export type { AggregatorSettings, TrainerSettings } from './settings.js';
export { MistNetCloudTrainer, extractFeatures, privatizeFeatures, splitModel } from './mistnet.js';
export type { MistNetSettings, SplitModel } from './mistnet.js';
export { silentLog, stderrLog } from './log.js';
export type { LogLine } from './log.js';
export {
  DEFAULT_AGG_PORT,
  DEFAULT_AGGREGATION,
  ProtocolError,
  parseFeaturesHeader,
  parseGlobalHeader,
  parseRejectHeader,
  parseSubscribe,
  parseUpdateHeader,
  summarizeRound,
} from './protocol.js';
export type { ClientMetrics, ExitFlag, FeaturesHeader, GlobalHeader, RejectHeader, RoundConfig, RoundRecord, RoundSummary, SubscribeMessage, UpdateHeader, Wire } from './protocol.js';
