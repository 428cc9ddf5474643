/** reconcile(key) table of the stage-job controller (IncrementalLearningJob; LifelongLearningJob's differences). */
import { type KubeObject, STAGE_INDEX_ANNOTATION, STAGE_ROUND_ANNOTATION, type StageCondition } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import { incrementalLearning } from '../../src/controllers/incrementallearning/controller.js';
import { lifelongLearning } from '../../src/controllers/lifelonglearning/controller.js';
import { StageJobController, type StageJobKind, type StageJobKindName } from '../../src/controllers/stagejob/controller.js';
import { dataset, harness, model, node, object, template } from './harness.js';

const NODE = 'edge-1';
const trigger = { condition: { operator: '>', threshold: 500, metric: 'num_of_samples' } };

function condition(stage: string, type: string): StageCondition {
  return { stage, type, status: 'True', reason: 'test', message: 'test', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z', data: '{"input":{},"output":{}}' } as StageCondition;
}

function ilJob(conditions: StageCondition[]): KubeObject {
  return object('IncrementalLearningJob', 'il', {
    spec: {
      initialModel: { name: 'initial' },
      dataset: { name: 'ds', trainProb: 0.8 },
      trainSpec: { template: template(NODE, 'train'), trigger },
      evalSpec: { template: template(NODE, 'eval') },
      deploySpec: { model: { name: 'deploy' }, trigger, hardExampleMining: { name: 'IBT' }, template: template(NODE, 'infer') },
      outputDir: '/output',
    },
    status: { conditions },
  });
}

function llJob(conditions: StageCondition[]): KubeObject {
  return object('LifelongLearningJob', 'il', {
    spec: { dataset: { name: 'ds', trainProb: 0.8 }, trainSpec: { template: template(NODE, 'train'), trigger }, evalSpec: { template: template(NODE, 'eval') }, deploySpec: { template: template(NODE, 'infer') }, outputDir: '/output' },
    status: { conditions },
  });
}

const world = [model('initial'), model('deploy'), dataset('ds', NODE), node(NODE)];

/** The job with `status.round` (written by the GM since stage jobs keep an explicit round). */
function withRound(job: KubeObject, round: number): KubeObject {
  return { ...job, status: { ...(job['status'] as object), round } };
}

/** A train or eval worker of round `round`, as the GM names them now. */
function roundWorker(job: KubeObject, type: string, phase: string, round: number): KubeObject {
  const pod = worker(job, type, phase);
  return { ...pod, metadata: { ...pod.metadata, annotations: { [STAGE_ROUND_ANNOTATION]: String(round) } } };
}

/** A worker of the job as the GM made it, in `phase`. */
function worker(job: KubeObject, type: string, phase: string, readyIndex?: number): KubeObject {
  const p = `${job.kind.toLowerCase()}.sedna.io/`;
  return object(
    'Pod',
    `il-${type}-x`,
    { spec: { nodeName: NODE, containers: [{ name: type, image: 'i' }] }, status: { phase } },
    {
      labels: { [`${p}name`]: 'il', [`${p}uid`]: job.metadata.uid!, [`${p}worker-type`]: type },
      annotations: readyIndex === undefined ? {} : { [STAGE_INDEX_ANNOTATION]: String(readyIndex) },
      ownerReferences: [{ apiVersion: job.apiVersion, kind: job.kind, name: 'il', uid: job.metadata.uid!, controller: true }],
    },
  );
}

interface Case {
  name: string;
  kind: StageJobKind<StageJobKindName>;
  job: KubeObject;
  extra?: (job: KubeObject) => KubeObject[];
  objects?: KubeObject[];
  /** `Stage/Type/Reason` of the appended condition, or undefined for none. */
  appended: string | undefined;
  created: string[];
}

const il = (c: StageCondition[]) => ilJob(c);
const cases: Case[] = [
  { name: 'IL: starts at Train/Waiting with the inference worker running', kind: incrementalLearning, job: il([]), appended: 'Train/Waiting/JobStarted', created: ['inference'] },
  { name: 'IL: waits for a missing dataset', kind: incrementalLearning, job: il([]), objects: world.filter((o) => o.kind !== 'Dataset'), appended: 'Train/Waiting/DatasetNotFound', created: [] },
  { name: 'IL: a Ready train stage gets its worker', kind: incrementalLearning, job: il([condition('Train', 'Waiting'), condition('Train', 'Ready')]), extra: (j) => [worker(j, 'inference', 'Running')], appended: 'Train/Starting/WorkerCreated', created: ['train'] },
  { name: 'IL: a running worker makes the stage Running', kind: incrementalLearning, job: il([condition('Train', 'Waiting'), condition('Train', 'Ready'), condition('Train', 'Starting')]), extra: (j) => [worker(j, 'inference', 'Running'), worker(j, 'train', 'Running', 1)], appended: 'Train/Running/WorkerRunning', created: [] },
  { name: 'IL: a failed worker fails the stage', kind: incrementalLearning, job: il([condition('Train', 'Waiting'), condition('Train', 'Ready'), condition('Train', 'Running')]), extra: (j) => [worker(j, 'inference', 'Running'), worker(j, 'train', 'Failed', 1)], appended: 'Train/Failed/WorkerFailed', created: [] },
  { name: 'IL: a vanished worker fails the stage', kind: incrementalLearning, job: il([condition('Train', 'Waiting'), condition('Train', 'Ready'), condition('Train', 'Running')]), extra: (j) => [worker(j, 'inference', 'Running')], appended: 'Train/Failed/WorkerMissing', created: [] },
  { name: 'IL: a running stage with its worker changes nothing', kind: incrementalLearning, job: il([condition('Train', 'Waiting'), condition('Train', 'Ready'), condition('Train', 'Running')]), extra: (j) => [worker(j, 'inference', 'Running'), worker(j, 'train', 'Running', 1)], appended: undefined, created: [] },
  { name: 'IL with status.round: the worker of the round is found by its round', kind: incrementalLearning, job: withRound(il([condition('Train', 'Waiting'), condition('Train', 'Ready'), condition('Train', 'Running')]), 1), extra: (j) => [worker(j, 'inference', 'Running'), roundWorker(j, 'train', 'Running', 1)], appended: undefined, created: [] },
  { name: 'IL with status.round: a worker of another round is not this round\'s', kind: incrementalLearning, job: withRound(il([condition('Train', 'Waiting'), condition('Train', 'Ready'), condition('Train', 'Running')]), 2), extra: (j) => [worker(j, 'inference', 'Running'), roundWorker(j, 'train', 'Running', 1)], appended: 'Train/Failed/WorkerMissing', created: [] },
  { name: 'IL: a completed stage waits for the next', kind: incrementalLearning, job: il([condition('Train', 'Completed')]), extra: (j) => [worker(j, 'inference', 'Running')], appended: 'Eval/Waiting/StageCompleted', created: [] },
  { name: 'LL: no inference worker before the first deploy', kind: lifelongLearning, job: llJob([]), appended: 'Train/Waiting/JobStarted', created: [] },
];

describe('StageJobController.reconcile', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const h = harness([c.job, ...(c.objects ?? world), ...(c.extra?.(c.job) ?? [])]);
      const controller = new StageJobController(c.kind, { cache: h.cache, client: h.client, addressing: h.addressing, router: h.router, kbServer: 'http://kb' });
      await controller.reconcile('default/il');
      const before = ((c.job['status'] as { conditions: StageCondition[] }).conditions ?? []).length;
      const after = ((h.cache.get(c.kind.kind, 'il', 'default')!.status as { conditions?: StageCondition[] } | undefined)?.conditions ?? []);
      const appended = after.slice(before).map((x) => `${x.stage}/${x.type}/${x.reason}`);
      expect(appended).toEqual(c.appended ? [c.appended] : []);
      const created = h.client.writes('Pod').filter((w) => w.verb === 'create').map((w) => (w.body!['metadata'] as { labels: Record<string, string> }).labels[`${c.kind.kind.toLowerCase()}.sedna.io/worker-type`]);
      expect(created).toEqual(c.created);
    });
  }

  it('sends the job and its models to the dataset\'s node', async () => {
    const job = il([]);
    const h = harness([job, ...world]);
    await new StageJobController(incrementalLearning, { cache: h.cache, client: h.client, addressing: h.addressing, router: h.router, kbServer: 'http://kb' }).reconcile('default/il');
    expect(h.sent.map((m) => `${m.node} ${m.kind} ${m.name}`).sort()).toEqual([`${NODE} incrementallearningjob il`, `${NODE} model deploy`, `${NODE} model initial`]);
  });
});
