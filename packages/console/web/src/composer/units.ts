/**
 * The composer's units: typed ports (a connection must join an output to an input of the same type) and the
 * settings each compiles to. The paradigm a graph forms is read from the units it holds (compile.ts). Units read
 * from ModelBox flowunit descriptions are `flowunit` units with the ports their description declares.
 */
export type PortType = 'frames' | 'samples' | 'model' | 'inference' | 'weights' | 'knowledge' | 'detections' | 'features' | 'queries' | string;

export interface PortDef {
  readonly name: string;
  readonly type: PortType;
  /** An input that must be connected for the graph to compile. */
  readonly required?: boolean;
}

export interface FieldDef {
  readonly name: string;
  readonly label: string;
  readonly default?: string;
  /** What the value must name: a node, or an existing Model/Dataset. */
  readonly refers?: 'node' | 'model' | 'dataset';
  readonly required?: boolean;
}

export interface UnitDef {
  readonly type: string;
  readonly label: string;
  readonly group: 'input' | 'edge' | 'cloud' | 'learning' | 'federated' | 'lifelong' | 'multi-edge' | 'flowunit';
  readonly inputs: readonly PortDef[];
  readonly outputs: readonly PortDef[];
  readonly fields: readonly FieldDef[];
  /** A unit that runs as a worker: it must be placed on a node and have a command. */
  readonly worker?: boolean;
}

const worker = (node: string, command: string): FieldDef[] => [
  { name: 'node', label: 'Node', default: node, refers: 'node', required: true },
  { name: 'image', label: 'Image', default: 'worker:latest' },
  { name: 'command', label: 'Command (space separated)', default: command, required: true },
];

const kafka: FieldDef = { name: 'kafka', label: 'Through the broker (kafkaSupport: true/false)', default: 'false' };
const replicas: FieldDef = { name: 'replicas', label: 'Replicas', default: '1' };
const matchThresh: FieldDef = { name: 'matchThresh', label: 'Match threshold (match_thresh)', default: '0.7' };

export const UNITS: readonly UnitDef[] = [
  { type: 'camera', label: 'Camera input', group: 'input', inputs: [], outputs: [{ name: 'frames', type: 'frames' }], fields: [{ name: 'url', label: 'Video URL (VIDEO_URL)', default: 'rtsp://camera/stream' }] },
  { type: 'dataset', label: 'Dataset', group: 'input', inputs: [], outputs: [{ name: 'samples', type: 'samples' }], fields: [{ name: 'dataset', label: 'Dataset name', refers: 'dataset', required: true }] },
  { type: 'model', label: 'Model', group: 'input', inputs: [], outputs: [{ name: 'model', type: 'model' }], fields: [{ name: 'model', label: 'Model name', refers: 'model', required: true }] },
  {
    type: 'edge_inference', label: 'Edge inference', group: 'edge', worker: true,
    inputs: [{ name: 'frames', type: 'frames' }, { name: 'model', type: 'model', required: true }],
    outputs: [{ name: 'inference', type: 'inference' }],
    fields: worker('edge-node-1', 'node edge_worker.js'),
  },
  {
    type: 'hard_example_mining', label: 'Hard example mining', group: 'edge',
    inputs: [{ name: 'inference', type: 'inference', required: true }], outputs: [{ name: 'hard', type: 'inference' }],
    fields: [{ name: 'algorithm', label: 'Algorithm (HEM_NAME)', default: 'CrossEntropy', required: true }, { name: 'parameters', label: 'Parameters (key=value, ...)', default: 'threshold_cross_entropy=0.5' }],
  },
  {
    type: 'cloud_inference', label: 'Cloud inference', group: 'cloud', worker: true,
    inputs: [{ name: 'hard', type: 'inference', required: true }, { name: 'model', type: 'model', required: true }], outputs: [],
    fields: worker('cloud-node', 'node cloud_worker.js'),
  },
  {
    type: 'train', label: 'Train', group: 'learning', worker: true,
    inputs: [{ name: 'samples', type: 'samples', required: true }, { name: 'model', type: 'model' }], outputs: [{ name: 'trained', type: 'model' }],
    fields: [...worker('edge-node-1', 'node train.js'), { name: 'trigger', label: 'Train trigger: num_of_samples >', default: '500', required: true }],
  },
  {
    type: 'eval', label: 'Eval', group: 'learning', worker: true,
    inputs: [{ name: 'trained', type: 'model', required: true }, { name: 'samples', type: 'samples' }], outputs: [{ name: 'evaluated', type: 'model' }],
    fields: worker('edge-node-1', 'node eval.js'),
  },
  {
    type: 'deploy', label: 'Deploy (inference)', group: 'learning', worker: true,
    inputs: [{ name: 'evaluated', type: 'model', required: true }, { name: 'frames', type: 'frames' }], outputs: [],
    fields: [...worker('edge-node-1', 'node inference.js'), { name: 'model', label: 'Deployed Model name', refers: 'model', required: true }, { name: 'trigger', label: 'Deploy trigger: accuracy_delta >', default: '0.05' }, { name: 'algorithm', label: 'Hard example mining', default: 'CrossEntropy' }, { name: 'outputDir', label: 'Output dir', default: '/tmp/sedna-output', required: true }],
  },
  {
    type: 'aggregator', label: 'Aggregator', group: 'federated', worker: true,
    inputs: [{ name: 'updates', type: 'weights', required: true }, { name: 'model', type: 'model', required: true }], outputs: [],
    fields: worker('cloud-node', 'node aggregate.js'),
  },
  {
    type: 'fl_train', label: 'Federated trainer', group: 'federated', worker: true,
    inputs: [{ name: 'samples', type: 'samples', required: true }], outputs: [{ name: 'updates', type: 'weights' }],
    fields: worker('edge-node-1', 'node train.js'),
  },
  {
    type: 'knowledge_base', label: 'Knowledge base', group: 'lifelong',
    inputs: [{ name: 'tasks', type: 'knowledge' }], outputs: [{ name: 'knowledge', type: 'knowledge' }], fields: [],
  },
  // Multi-edge inference, the pipeline (compile-multiedge.ts): cameras' video analytics jobs on the edges, the
  // feature extraction service and the ReID job in the cloud (VideoAnalyticsJob, FeatureExtractionService, ReidJob).
  {
    type: 'video_analytics', label: 'Video analytics (detection)', group: 'multi-edge', worker: true,
    inputs: [{ name: 'frames', type: 'frames', required: true }, { name: 'model', type: 'model', required: true }], outputs: [{ name: 'detections', type: 'detections' }],
    fields: [...worker('edge-node-1', 'node va_worker.js'), { name: 'opMode', label: 'op_mode', default: 'tracking' }, kafka],
  },
  {
    type: 'feature_extraction', label: 'Feature extraction', group: 'multi-edge', worker: true,
    inputs: [{ name: 'detections', type: 'detections' }, { name: 'model', type: 'model', required: true }], outputs: [{ name: 'features', type: 'features' }],
    fields: [...worker('cloud-node', 'node fe_worker.js'), replicas, kafka],
  },
  {
    type: 'reid', label: 'ReID job', group: 'multi-edge', worker: true,
    inputs: [{ name: 'features', type: 'features', required: true }], outputs: [],
    fields: [...worker('cloud-node', 'node reid_worker.js'), { name: 'queryImages', label: 'Query images (query_images, |-separated)', default: '' }, matchThresh, kafka],
  },
  // Multi-edge inference, the services: tracking workers per camera and ReID workers (ObjectTrackingService), with a
  // user worker taking queries (ObjectSearchService).
  {
    type: 'tracking', label: 'Tracking worker', group: 'multi-edge', worker: true,
    inputs: [{ name: 'frames', type: 'frames', required: true }], outputs: [{ name: 'features', type: 'features' }],
    fields: worker('edge-node-1', 'node tracking_worker.js'),
  },
  {
    type: 'reid_worker', label: 'ReID workers (service)', group: 'multi-edge', worker: true,
    inputs: [{ name: 'features', type: 'features', required: true }, { name: 'queries', type: 'queries' }], outputs: [],
    fields: [...worker('cloud-node', 'node search_reid_worker.js'), replicas, matchThresh],
  },
  {
    type: 'user_worker', label: 'User worker (object search)', group: 'multi-edge', worker: true,
    inputs: [], outputs: [{ name: 'queries', type: 'queries' }],
    fields: worker('cloud-node', 'node user_worker.js'),
  },
];

export function unitDef(type: string, flowunits: ReadonlyMap<string, UnitDef> = new Map()): UnitDef | undefined {
  return UNITS.find((u) => u.type === type) ?? flowunits.get(type);
}

export interface ComposerNode {
  id: string;
  type: string;
  values: Record<string, string>;
}

export interface ComposerEdge {
  id: string;
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export interface ComposerGraph {
  name: string;
  namespace: string;
  nodes: ComposerNode[];
  edges: ComposerEdge[];
}

export function newNode(def: UnitDef, id: string): ComposerNode {
  return { id, type: def.type, values: Object.fromEntries(def.fields.map((f) => [f.name, f.default ?? ''])) };
}
