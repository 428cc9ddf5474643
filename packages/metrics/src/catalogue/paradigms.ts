/**
 * The paradigms' metrics that workers measure themselves (the proposal's "algorithm metrics, designed individually
 * for each task"): joint inference counts and latencies on the edge, incremental learning's per-iteration
 * inference counts, train loss and remaining times, federated learning's rounds, and lifelong learning's unseen
 * samples and knowledge base. Labels: `namespace` and `name` of the job or service the worker belongs to (from its
 * environment), plus small fixed sets; never a sample id.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BoundedLabel } from '../bounded.js';

/** The job or service a worker belongs to. */
export interface Owner {
  namespace: string;
  name: string;
}

/** Inference latencies from 50 µs (a small model on the edge) to 10 s (a slow cloud call). */
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Metrics are made once per registry and name: a second worker object in one process shares them (the catalogue's files share this). */
export function once<T>(registry: Registry, name: string, make: () => T): T {
  const cache = (registry as unknown as { __sedna?: Map<string, unknown> }).__sedna ?? new Map<string, unknown>();
  (registry as unknown as { __sedna?: Map<string, unknown> }).__sedna = cache;
  if (!cache.has(name)) cache.set(name, make());
  return cache.get(name) as T;
}

export interface JointInferenceMetrics {
  edgeInferences: Counter<'namespace' | 'name'>;
  cloudInferences: Counter<'namespace' | 'name' | 'result'>;
  hardSamples: Counter<'namespace' | 'name'>;
  edgeLatency: Histogram<'namespace' | 'name'>;
  cloudLatency: Histogram<'namespace' | 'name'>;
}

export function jointInferenceMetrics(registry: Registry): JointInferenceMetrics {
  return once(registry, 'ji', () => ({
    edgeInferences: new Counter({ name: 'sedna_joint_inference_edge_inferences_total', help: 'Samples the little model on the edge ran on (EdgeInferenceCount)', labelNames: ['namespace', 'name'], registers: [registry] }),
    cloudInferences: new Counter({ name: 'sedna_joint_inference_cloud_inferences_total', help: 'Hard samples sent to the big model in the cloud, by result (ok, failed) (CloudInferenceCount)', labelNames: ['namespace', 'name', 'result'], registers: [registry] }),
    hardSamples: new Counter({ name: 'sedna_joint_inference_hard_samples_total', help: 'Samples the hard example mining found hard (HardSampleNum)', labelNames: ['namespace', 'name'], registers: [registry] }),
    edgeLatency: new Histogram({ name: 'sedna_joint_inference_edge_latency_seconds', help: 'Time of one inference of the little model on the edge', labelNames: ['namespace', 'name'], buckets: LATENCY_BUCKETS, registers: [registry] }),
    cloudLatency: new Histogram({ name: 'sedna_joint_inference_cloud_latency_seconds', help: 'Time of one call to the big model in the cloud, seen from the edge', labelNames: ['namespace', 'name'], buckets: LATENCY_BUCKETS, registers: [registry] }),
  }));
}

export interface BigModelServiceMetrics {
  requests: Counter<'namespace' | 'name' | 'result'>;
  duration: Histogram<'namespace' | 'name'>;
}

/** The cloud side of joint inference: what the big model service served (the load an autoscaler reads). */
export function bigModelServiceMetrics(registry: Registry): BigModelServiceMetrics {
  return once(registry, 'bms', () => ({
    requests: new Counter({ name: 'sedna_joint_inference_cloud_requests_total', help: 'Predict requests the big model service in the cloud answered, by result (ok, failed)', labelNames: ['namespace', 'name', 'result'], registers: [registry] }),
    duration: new Histogram({ name: 'sedna_joint_inference_cloud_service_seconds', help: 'Time the big model service took for one predict request, batching wait included', labelNames: ['namespace', 'name'], buckets: LATENCY_BUCKETS, registers: [registry] }),
  }));
}

export interface IncrementalLearningWorkerMetrics {
  inferences: Counter<'namespace' | 'name'>;
  hardSamples: Counter<'namespace' | 'name'>;
  iterationInferences: Gauge<'namespace' | 'name'>;
  iterationHardSamples: Gauge<'namespace' | 'name'>;
  trainLoss: Gauge<'namespace' | 'name'>;
  remaining: Gauge<'namespace' | 'name' | 'stage'>;
}

export function incrementalLearningWorkerMetrics(registry: Registry): IncrementalLearningWorkerMetrics {
  return once(registry, 'il', () => ({
    inferences: new Counter({ name: 'sedna_incremental_learning_inferences_total', help: 'Samples the inference worker predicted, over all iterations', labelNames: ['namespace', 'name'], registers: [registry] }),
    hardSamples: new Counter({ name: 'sedna_incremental_learning_hard_samples_total', help: 'Samples the inference worker found hard, over all iterations', labelNames: ['namespace', 'name'], registers: [registry] }),
    iterationInferences: new Gauge({ name: 'sedna_incremental_learning_iteration_inferences', help: 'Samples predicted since the serving model was deployed (IterationInferenceCount)', labelNames: ['namespace', 'name'], registers: [registry] }),
    iterationHardSamples: new Gauge({ name: 'sedna_incremental_learning_iteration_hard_samples', help: 'Hard samples found since the serving model was deployed (IterationHardSampleNum)', labelNames: ['namespace', 'name'], registers: [registry] }),
    trainLoss: new Gauge({ name: 'sedna_incremental_learning_train_loss', help: 'Loss of the last training batch (TrainLoss)', labelNames: ['namespace', 'name'], registers: [registry] }),
    remaining: new Gauge({ name: 'sedna_incremental_learning_remaining_seconds', help: 'Estimated time left in the train or eval stage, from the progress so far (TrainRemainingTime, EvalRemainingTime)', labelNames: ['namespace', 'name', 'stage'], registers: [registry] }),
  }));
}

export interface FederatedLearningMetrics {
  trainNodes: Gauge<'namespace' | 'name'>;
  nodeSamples: Gauge<'namespace' | 'name' | 'worker'>;
  round: Gauge<'namespace' | 'name'>;
  aggregations: Counter<'namespace' | 'name'>;
  roundDuration: Histogram<'namespace' | 'name'>;
  roundBytes: Counter<'namespace' | 'name' | 'direction'>;
  trainLoss: Gauge<'namespace' | 'name'>;
  /** Worker names are bounded by the participants, capped for safety. */
  workerLabel: BoundedLabel;
}

export function federatedLearningMetrics(registry: Registry): FederatedLearningMetrics {
  return once(registry, 'fl', () => ({
    trainNodes: new Gauge({ name: 'sedna_federated_learning_train_nodes', help: 'Training workers whose update the last round used (TrainNodes)', labelNames: ['namespace', 'name'], registers: [registry] }),
    nodeSamples: new Gauge({ name: 'sedna_federated_learning_worker_samples', help: 'Samples behind each training worker\'s update in the last round (NodeSampleNum)', labelNames: ['namespace', 'name', 'worker'], registers: [registry] }),
    round: new Gauge({ name: 'sedna_federated_learning_round', help: 'Rounds completed (IterationNo)', labelNames: ['namespace', 'name'], registers: [registry] }),
    aggregations: new Counter({ name: 'sedna_federated_learning_aggregations_total', help: 'Rounds that produced a new global model (AggregationNo)', labelNames: ['namespace', 'name'], registers: [registry] }),
    roundDuration: new Histogram({ name: 'sedna_federated_learning_round_duration_seconds', help: 'From one round\'s broadcast to the next', labelNames: ['namespace', 'name'], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800], registers: [registry] }),
    roundBytes: new Counter({ name: 'sedna_federated_learning_transferred_bytes_total', help: 'Bytes of updates received and of global models sent, by direction (received, sent); per round: rate or increase', labelNames: ['namespace', 'name', 'direction'], registers: [registry] }),
    trainLoss: new Gauge({ name: 'sedna_federated_learning_train_loss', help: 'Sample-weighted mean train loss the workers sent in the last round (TrainStatus)', labelNames: ['namespace', 'name'], registers: [registry] }),
    workerLabel: new BoundedLabel(256),
  }));
}

export interface LifelongLearningWorkerMetrics {
  inferences: Counter<'namespace' | 'name'>;
  unseenSamples: Counter<'namespace' | 'name'>;
  knownTasks: Gauge<'namespace' | 'name'>;
}

export function lifelongLearningWorkerMetrics(registry: Registry): LifelongLearningWorkerMetrics {
  return once(registry, 'll', () => ({
    inferences: new Counter({ name: 'sedna_lifelong_learning_inferences_total', help: 'Samples the lifelong learning inference worker predicted', labelNames: ['namespace', 'name'], registers: [registry] }),
    unseenSamples: new Counter({ name: 'sedna_lifelong_learning_unseen_samples_total', help: 'Samples found to belong to no known task (unseen samples)', labelNames: ['namespace', 'name'], registers: [registry] }),
    knownTasks: new Gauge({ name: 'sedna_lifelong_learning_kb_tasks', help: 'Tasks in the knowledge base the worker loaded', labelNames: ['namespace', 'name'], registers: [registry] }),
  }));
}
