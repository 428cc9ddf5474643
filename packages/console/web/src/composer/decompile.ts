/**
 * An existing job drawn as a composer graph: its workers as units (with the node each runs on) and the Models and
 * Datasets it uses, for the job page's live drawing.
 */
import type { KubeObject } from '../api/types.js';
import type { ComposerEdge, ComposerGraph, ComposerNode } from './units.js';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function worker(id: string, type: string, template: Spec | undefined): ComposerNode {
  return { id, type, values: { node: String(template?.['spec']?.['nodeName'] ?? '') } };
}

export function decompile(kind: string, o: KubeObject): ComposerGraph | undefined {
  const spec = (o.spec ?? {}) as Spec;
  const nodes: ComposerNode[] = [];
  const edges: ComposerEdge[] = [];
  const link = (source: string, sourcePort: string, target: string, targetPort: string) => edges.push({ id: `${source}-${target}-${targetPort}`, source, sourcePort, target, targetPort });
  const resource = (id: string, type: 'model' | 'dataset', name: unknown) => {
    if (typeof name !== 'string' || !name) return false;
    if (!nodes.some((n) => n.id === id)) nodes.push({ id, type, values: { [type]: name } });
    return true;
  };
  if (kind === 'JointInferenceService') {
    nodes.push(worker('edge', 'edge_inference', spec['edgeWorker']?.['template']));
    nodes.push({ id: 'mining', type: 'hard_example_mining', values: { algorithm: String(spec['edgeWorker']?.['hardExampleMining']?.['name'] ?? '') } });
    nodes.push(worker('cloud', 'cloud_inference', spec['cloudWorker']?.['template']));
    if (resource(`model:${spec['edgeWorker']?.['model']?.['name']}`, 'model', spec['edgeWorker']?.['model']?.['name'])) link(`model:${spec['edgeWorker']['model']['name']}`, 'model', 'edge', 'model');
    if (resource(`model:${spec['cloudWorker']?.['model']?.['name']}`, 'model', spec['cloudWorker']?.['model']?.['name'])) link(`model:${spec['cloudWorker']['model']['name']}`, 'model', 'cloud', 'model');
    link('edge', 'inference', 'mining', 'inference');
    link('mining', 'hard', 'cloud', 'hard');
  } else if (kind === 'IncrementalLearningJob' || kind === 'LifelongLearningJob') {
    nodes.push(worker('train', 'train', spec['trainSpec']?.['template']));
    nodes.push(worker('eval', 'eval', spec['evalSpec']?.['template']));
    nodes.push(worker('deploy', 'deploy', spec['deploySpec']?.['template']));
    if (resource('dataset', 'dataset', spec['dataset']?.['name'])) link('dataset', 'samples', 'train', 'samples');
    if (resource('initial-model', 'model', spec['initialModel']?.['name'])) link('initial-model', 'model', 'train', 'model');
    link('train', 'trained', 'eval', 'trained');
    link('eval', 'evaluated', 'deploy', 'evaluated');
    if (kind === 'LifelongLearningJob') nodes.push({ id: 'knowledge-base', type: 'knowledge_base', values: {} });
  } else if (kind === 'FederatedLearningJob') {
    nodes.push(worker('aggregator', 'aggregator', spec['aggregationWorker']?.['template']));
    if (resource('global-model', 'model', spec['aggregationWorker']?.['model']?.['name'])) link('global-model', 'model', 'aggregator', 'model');
    ((spec['trainingWorkers'] as Spec[] | undefined) ?? []).forEach((t, i) => {
      nodes.push(worker(`trainer-${i}`, 'fl_train', t['template']));
      if (resource(`dataset-${i}`, 'dataset', t['dataset']?.['name'])) link(`dataset-${i}`, 'samples', `trainer-${i}`, 'samples');
      link(`trainer-${i}`, 'updates', 'aggregator', 'updates');
    });
  } else if (kind === 'VideoAnalyticsJob') {
    nodes.push(worker('videoanalytics', 'video_analytics', spec['template']));
    const env = ((spec['template']?.['spec']?.['containers']?.[0]?.['env'] as { name: string; value?: string }[] | undefined) ?? []);
    const address = env.find((e) => e.name === 'video_address')?.value;
    if (address) {
      nodes.push({ id: 'camera', type: 'camera', values: { url: address } });
      link('camera', 'frames', 'videoanalytics', 'frames');
    }
    if (resource('detector', 'model', spec['model']?.['name'])) link('detector', 'model', 'videoanalytics', 'model');
  } else if (kind === 'FeatureExtractionService') {
    nodes.push(worker('fe', 'feature_extraction', spec['template']));
    if (resource('extractor', 'model', spec['model']?.['name'])) link('extractor', 'model', 'fe', 'model');
  } else if (kind === 'ReidJob') {
    nodes.push(worker('reid', 'reid', spec['template']));
  } else if (kind === 'ObjectTrackingService' || kind === 'ObjectSearchService') {
    nodes.push(worker('reidworker', 'reid_worker', spec['reidWorkers']?.['template']));
    ((spec['trackingWorkers'] as Spec[] | undefined) ?? []).forEach((t, i) => {
      nodes.push(worker(`trackingworker-${i}`, 'tracking', t['template']));
      link(`trackingworker-${i}`, 'features', 'reidworker', 'features');
    });
    if (kind === 'ObjectSearchService') {
      nodes.push(worker('userworker', 'user_worker', spec['userWorker']?.['template']));
      link('userworker', 'queries', 'reidworker', 'queries');
    }
  } else return undefined;
  return { name: o.metadata.name, namespace: o.metadata.namespace ?? 'default', nodes, edges };
}
