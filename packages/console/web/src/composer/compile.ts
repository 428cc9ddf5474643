/**
 * Compiles a checked graph to the Sedna objects of the paradigm it forms: joint inference (edge inference, hard
 * example mining, cloud inference), incremental learning (train, eval, deploy), lifelong learning (the same with a
 * knowledge base), federated learning (aggregator and trainers), and multi-edge inference (compile-multiedge.ts).
 */
import type { KubeObject } from '../api/types.js';
import { checkGraph, type GraphProblem, type World } from './check.js';
import { CompileContext, template } from './compile-common.js';
import { compileMultiEdge, MULTI_EDGE_PIPELINE_UNITS, MULTI_EDGE_SERVICE_UNITS, type MultiEdgeParadigm } from './compile-multiedge.js';
import type { ComposerGraph, ComposerNode } from './units.js';

export type Paradigm = 'JointInferenceService' | 'IncrementalLearningJob' | 'LifelongLearningJob' | 'FederatedLearningJob' | MultiEdgeParadigm;

export interface Compiled {
  paradigm?: Paradigm;
  objects: KubeObject[];
  problems: GraphProblem[];
}

function hemParameters(text: string | undefined): { key: string; value: string }[] {
  return (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [key, ...rest] = p.split('=');
      return { key: key!.trim(), value: rest.join('=').trim() };
    });
}

export function paradigmOf(g: ComposerGraph): Paradigm | { unsupported: string } | undefined {
  const has = (t: string) => g.nodes.some((n) => n.type === t);
  const service = MULTI_EDGE_SERVICE_UNITS.some(has);
  const pipeline = MULTI_EDGE_PIPELINE_UNITS.some(has);
  if (service && pipeline) return { unsupported: 'the graph mixes the multi-edge pipeline (video analytics, feature extraction, ReID job) with the object search/tracking service units (tracking, ReID workers, user worker): compose one of them' };
  if (service) return has('user_worker') ? 'ObjectSearchService' : 'ObjectTrackingService';
  if (pipeline) return 'MultiEdgeInference';
  if (g.nodes.some((n) => n.type.startsWith('flowunit:'))) return { unsupported: 'ModelBox flowunits run inside one worker (`sedna flow run graph.toml`): export the graph as TOML and give it to a worker; they do not compile to a Sedna job by themselves' };
  if (has('cloud_inference') || has('hard_example_mining')) return 'JointInferenceService';
  if (has('aggregator') || has('fl_train')) return 'FederatedLearningJob';
  if (has('knowledge_base')) return 'LifelongLearningJob';
  if (has('train') || has('eval') || has('deploy')) return 'IncrementalLearningJob';
  return undefined;
}

export function compile(g: ComposerGraph, world: World): Compiled {
  const problems = checkGraph(g, world);
  const paradigm = paradigmOf(g);
  if (paradigm === undefined) return { objects: [], problems: [...problems, { message: 'the graph forms no paradigm yet: add the units of one (e.g. edge inference, hard example mining, cloud inference)' }] };
  if (typeof paradigm === 'object') return { objects: [], problems: [...problems, { message: paradigm.unsupported }] };
  const ctx = new CompileContext(g, problems);
  if (paradigm === 'MultiEdgeInference' || paradigm === 'ObjectSearchService' || paradigm === 'ObjectTrackingService') {
    const objects = compileMultiEdge(paradigm, ctx);
    return problems.length ? { paradigm, objects: [], problems } : { paradigm, objects, problems };
  }
  const one = (type: string): ComposerNode | undefined => ctx.one(type, paradigm);
  const feeding = (node: ComposerNode | undefined, port: string, field: string): string | undefined => ctx.feeding(node, port, field);
  const meta = { name: g.name, namespace: g.namespace };
  const apiVersion = 'sedna.io/v1alpha1';
  let spec: Record<string, unknown> = {};
  if (paradigm === 'JointInferenceService') {
    const edge = one('edge_inference');
    const hem = one('hard_example_mining');
    const cloud = one('cloud_inference');
    if (edge && hem && !g.edges.some((e) => e.source === edge.id && e.target === hem.id)) problems.push({ node: hem.id, message: `${hem.id}: takes the edge inference's answers (connect ${edge.id}:inference to it)` });
    if (hem && cloud && !g.edges.some((e) => e.source === hem.id && e.target === cloud.id)) problems.push({ node: cloud.id, message: `${cloud.id}: takes the hard examples (connect ${hem.id}:hard to it)` });
    if (edge && hem && cloud) {
      const camera = g.edges.find((e) => e.target === edge.id && e.targetPort === 'frames');
      const cameraNode = g.nodes.find((n) => n.id === camera?.source && n.type === 'camera');
      spec = {
        edgeWorker: {
          model: { name: feeding(edge, 'model', 'model') },
          hardExampleMining: { name: hem.values['algorithm'], parameters: hemParameters(hem.values['parameters']) },
          template: template(edge, cameraNode ? { VIDEO_URL: cameraNode.values['url'] ?? '' } : {}),
        },
        cloudWorker: { model: { name: feeding(cloud, 'model', 'model') }, template: template(cloud) },
      };
    }
  } else if (paradigm === 'IncrementalLearningJob' || paradigm === 'LifelongLearningJob') {
    const train = one('train');
    const evaluate = one('eval');
    const deploy = one('deploy');
    if (train && deploy && evaluate) {
      const initial = feeding(train, 'model', 'model');
      if (paradigm === 'IncrementalLearningJob' && !initial) problems.push({ node: train.id, message: `${train.id}: incremental learning starts from an initial model: connect a Model to its model input` });
      const trainSpec = { template: template(train), trigger: { checkPeriodSeconds: 60, condition: { operator: '>', threshold: Number(train.values['trigger'] || 500), metric: 'num_of_samples' } } };
      const common = { dataset: { name: feeding(train, 'samples', 'dataset'), trainProb: 0.8 }, trainSpec, evalSpec: { template: template(evaluate) }, outputDir: deploy.values['outputDir'] };
      spec =
        paradigm === 'IncrementalLearningJob'
          ? {
              initialModel: { name: initial },
              ...common,
              deploySpec: {
                model: { name: deploy.values['model'], hotUpdateEnabled: true, pollPeriodSeconds: 60 },
                trigger: { condition: { operator: '>', threshold: Number(deploy.values['trigger'] || 0.05), metric: 'accuracy_delta' } },
                hardExampleMining: { name: deploy.values['algorithm'] || 'CrossEntropy' },
                template: template(deploy),
              },
            }
          : { ...common, deploySpec: { template: template(deploy) } };
    }
  } else {
    const aggregator = one('aggregator');
    const trainers = g.nodes.filter((n) => n.type === 'fl_train');
    if (trainers.length === 0) problems.push({ message: 'federated learning needs at least one federated trainer' });
    if (aggregator) {
      spec = {
        aggregationWorker: { model: { name: feeding(aggregator, 'model', 'model') }, template: template(aggregator) },
        trainingWorkers: trainers.map((t) => ({ dataset: { name: feeding(t, 'samples', 'dataset') }, template: template(t) })),
      };
    }
  }
  if (problems.length) return { paradigm, objects: [], problems };
  return { paradigm, objects: [{ apiVersion, kind: paradigm, metadata: meta, spec }], problems };
}
