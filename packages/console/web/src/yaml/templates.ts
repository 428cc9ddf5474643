/**
 * A starting object for every kind the console creates (the fields each kind requires, with placeholders), as YAML.
 * Built from objects: every kind shares the header and the shapes of its workers (a pod template, a Deployment-like
 * group), so each is written once here.
 */
import { stringify } from 'yaml';

const EDGE = 'edge-node-1';
const CLOUD = 'cloud-node';

interface WorkerOptions {
  /** Default: `<container>:latest`. */
  image?: string;
  env?: { name: string; value: string }[];
  restartPolicy?: 'Never' | 'OnFailure' | 'Always';
}

/** A worker's pod template: one container running `node <script>` on `nodeName`. */
function worker(nodeName: string, container: string, script: string, options: WorkerOptions = {}) {
  return {
    spec: {
      nodeName,
      ...(options.restartPolicy ? { restartPolicy: options.restartPolicy } : {}),
      containers: [{ name: container, image: options.image ?? `${container}:latest`, command: ['node', script], ...(options.env ? { env: options.env } : {}) }],
    },
  };
}

/** Replicas of a worker selected by an `app` label (a Deployment's spec, inlined by the multi-edge kinds). */
function replicated(app: string, nodeName: string, container: string, script: string, options: WorkerOptions = {}) {
  const template = worker(nodeName, container, script, options);
  return { replicas: 1, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, ...template } };
}

/** The YAML of a Sedna object of `kind` named `name` in the default namespace. */
function manifest(kind: string, name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: 'sedna.io/v1alpha1', kind, metadata: { name, namespace: 'default' }, spec });
}

const sampleTrigger = { checkPeriodSeconds: 60, condition: { operator: '>', threshold: 500, metric: 'num_of_samples' } };
const camera = [{ name: 'video_address', value: 'rtsp://camera/stream' }];

export const TEMPLATES: Record<string, string> = {
  Dataset: manifest('Dataset', 'my-dataset', { url: '/data/train_data.txt', format: 'txt', nodeName: EDGE }),
  Model: manifest('Model', 'my-model', { url: '/models/model.onnx', format: 'onnx' }),
  JointInferenceService: manifest('JointInferenceService', 'my-joint-inference', {
    edgeWorker: {
      model: { name: 'little-model' },
      hardExampleMining: { name: 'CrossEntropy', parameters: [{ key: 'threshold_cross_entropy', value: '0.5' }] },
      template: worker(EDGE, 'edge', 'edge_worker.js'),
    },
    cloudWorker: { model: { name: 'big-model' }, template: worker(CLOUD, 'cloud', 'cloud_worker.js') },
  }),
  IncrementalLearningJob: manifest('IncrementalLearningJob', 'my-incremental-learning', {
    initialModel: { name: 'initial-model' },
    dataset: { name: 'my-dataset', trainProb: 0.8 },
    trainSpec: { template: worker(EDGE, 'train', 'train.js'), trigger: sampleTrigger },
    evalSpec: { template: worker(EDGE, 'eval', 'eval.js') },
    deploySpec: {
      model: { name: 'deploy-model', hotUpdateEnabled: true, pollPeriodSeconds: 60 },
      trigger: { condition: { operator: '>', threshold: 0.05, metric: 'accuracy_delta' } },
      hardExampleMining: { name: 'CrossEntropy' },
      template: worker(EDGE, 'infer', 'inference.js'),
    },
    outputDir: '/output',
  }),
  FederatedLearningJob: manifest('FederatedLearningJob', 'my-federated-learning', {
    aggregationWorker: { model: { name: 'global-model' }, template: worker(CLOUD, 'agg', 'aggregate.js') },
    trainingWorkers: [{ dataset: { name: 'my-dataset' }, template: worker(EDGE, 'train', 'train.js') }],
  }),
  LifelongLearningJob: manifest('LifelongLearningJob', 'my-lifelong-learning', {
    dataset: { name: 'my-dataset', trainProb: 0.8 },
    trainSpec: { template: worker(CLOUD, 'train', 'train.js'), trigger: sampleTrigger },
    evalSpec: { template: worker(CLOUD, 'eval', 'eval.js') },
    deploySpec: { template: worker(EDGE, 'infer', 'inference.js') },
    outputDir: '/output',
  }),
  VideoAnalyticsJob: manifest('VideoAnalyticsJob', 'my-video-analytics', {
    backoffLimit: 5,
    kafkaSupport: false,
    model: { name: 'detector-model' },
    template: worker(EDGE, 'detection', 'va_worker.js', { image: 'va:latest', restartPolicy: 'Never', env: [...camera, { name: 'video_id', value: 'camera-a' }, { name: 'op_mode', value: 'tracking' }] }),
  }),
  FeatureExtractionService: manifest('FeatureExtractionService', 'my-feature-extraction', {
    kafkaSupport: false,
    model: { name: 'reid-model' },
    ...replicated('my-feature-extraction', CLOUD, 'feature-extraction', 'fe_worker.js', { image: 'fe:latest' }),
  }),
  ReidJob: manifest('ReidJob', 'my-reid', {
    backoffLimit: 5,
    kafkaSupport: false,
    template: worker(CLOUD, 'reid', 'reid_worker.js', { restartPolicy: 'Never', env: [{ name: 'match_thresh', value: '0.7' }, { name: 'query_images', value: '/queries/a.png' }] }),
  }),
  ObjectTrackingService: manifest('ObjectTrackingService', 'my-object-tracking', {
    trackingWorkers: [{ template: worker(EDGE, 'tracking', 'tracking_worker.js', { env: camera }) }],
    reidWorkers: replicated('my-object-tracking-reid', CLOUD, 'reid', 'reid_worker.js'),
  }),
  ObjectSearchService: manifest('ObjectSearchService', 'my-object-search', {
    userWorker: { template: worker(CLOUD, 'user', 'user_worker.js') },
    trackingWorkers: [{ template: worker(EDGE, 'tracking', 'tracking_worker.js', { env: camera }) }],
    reidWorkers: replicated('my-object-search-reid', CLOUD, 'reid', 'search_reid_worker.js'),
  }),
};
