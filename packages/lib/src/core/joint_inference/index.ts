/**
 * Joint inference (sedna-reference §4.3): the edge's JointInference with its little model and hard example mining,
 * the cloud's BigModelService with the big model, and the HTTP protocol between them.
 */
export { JointInference, resolveHardExampleMining, sampleOf } from './joint-inference.js';
export type { AnsweredBy, JointInferenceOptions, JointInferenceOutcome, JointInferenceResult, JointInferenceSettings, JointInferenceStats, InferOptions } from './joint-inference.js';
export { BigModelService, DEFAULT_BIND_IP, DEFAULT_MAX_BODY_BYTES } from './big-model-service.js';
export type { BigModelServiceOptions, BigModelServiceStats, ServiceAddress } from './big-model-service.js';
export { BigModelClient, CloudInferenceError, DEFAULT_CLOUD_TIMEOUT_MS } from './big-model-client.js';
export type { BigModelClientOptions, CloudFailureKind, CloudPredictor, PredictOptions, WireFormat, WireFormatChoice } from './big-model-client.js';
export { parseEndpoints, ReplicaSpreader } from './replica-spreader.js';
export { BatcherClosedError, DEFAULT_BATCH_WINDOW_MS, DEFAULT_MAX_BATCH_SIZE, MicroBatcher, QueueFullError } from './micro-batcher.js';
export type { MicroBatcherOptions, MicroBatcherStats } from './micro-batcher.js';
export { BadRequestError, DEFAULT_BIG_MODEL_PORT, DEFAULT_JOB_NAME, HEALTH_PATH, JSON_CONTENT_TYPE, predictPath, servicePath, viewBinaryBatch, viewJsonData } from './protocol.js';
export type { BatchView } from './protocol.js';
export { NestedListError, tensorFromNested, tensorToNested } from './nested-list.js';
export { decodeTensor, encodeTensor, TENSOR_CONTENT_TYPE, TENSOR_FLOAT32, TENSOR_MAGIC, TENSOR_MAX_RANK, TensorWireError, tensorHeaderBytes } from './tensor-wire.js';
export { declaredSampleShape } from './sample-shape.js';
export { CloudFailureLog } from './cloud-failure-log.js';
export { stderrLog } from './log.js';
export type { LogLine } from './log.js';
