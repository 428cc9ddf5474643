/**
 * A GM restarted while an incremental learning job trains, among many other objects, changes none of the job's
 * conditions: its controllers reconcile only once every cache has its first list. (Before, the job's cache could
 * sync before the Pod cache, and the job's reconcile, seeing no train worker, failed the stage with WorkerMissing.)
 * No local controller runs: the test writes what the LC would report (the Ready condition, the worker's status).
 * Without the wait for every cache, this fails whenever the job's informer lists before the Pod informer (it did
 * with the stage-job features registered first); test/runtime.test.ts shows the wait on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { KubeObject, StageCondition } from '@sedna/api';
import { type RunningApiServer, startApiServer } from '@sedna/apiserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGmConfig } from '../src/config.js';
import { type RunningGlobalManager, startGlobalManager } from '../src/gm.js';
import { KubeClient } from '../src/runtime/client.js';
import type { KindName, NewObjectOf } from '../src/runtime/kinds.js';
import { waitFor } from '../../../test-kit/index.js';

const NODE = 'edge-node';
const LOAD_PODS = 1500;
const LOAD_DATASETS = 300;

let api: RunningApiServer;
let kc: k8s.KubeConfig;
let client: KubeClient;
let dataDir: string;
let gm: RunningGlobalManager | undefined;

const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => waitFor(what, check, timeoutMs, 25);

function startGm(): Promise<RunningGlobalManager> {
  return startGlobalManager({ config: parseGmConfig({ websocket: { address: '127.0.0.1', port: 0 }, nodeToken: 't' }), kubeConfig: kc, runPodsOnLocalControllers: true, log: () => undefined });
}

const conditionsOf = async (): Promise<StageCondition[]> => ((await client.get('IncrementalLearningJob', 'default', 'il'))['status'] as { conditions?: StageCondition[] } | undefined)?.conditions ?? [];
const last = async (): Promise<string> => {
  const c = (await conditionsOf()).at(-1);
  return c ? `${c.stage}/${c.type}` : '';
};

/** Creates `count` objects `make(i)`, a few requests at a time. */
async function createMany<K extends KindName>(kind: K, count: number, make: (i: number) => NewObjectOf<K>): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => client.create(kind, 'default', make(i + j))));
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-gm-restart-'));
  api = await startApiServer({ dataDir });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  client = new KubeClient(kc);
});
afterAll(async () => {
  await gm?.stop();
  client.close();
  await api.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GM restart under load', () => {
  it('changes no condition of a training incremental learning job', async () => {
    await client.create('Node', '', { metadata: { name: NODE } });
    for (const name of ['initial-model', 'deploy-model']) await client.create('Model', 'default', { metadata: { name }, spec: { url: `/models/${name}`, format: 'pb' } });
    await client.create('Dataset', 'default', { metadata: { name: 'incremental-dataset' }, spec: { url: '/data/index.txt', format: 'txt', nodeName: NODE } });
    const template = (name: string) => ({ spec: { nodeName: NODE, containers: [{ name, image: 'example/il:v1' }] } });
    const trigger = { condition: { operator: '>' as const, threshold: 500, metric: 'num_of_samples' } };
    await client.create('IncrementalLearningJob', 'default', {
      metadata: { name: 'il' },
      spec: {
        initialModel: { name: 'initial-model' },
        dataset: { name: 'incremental-dataset', trainProb: 0.8 },
        trainSpec: { template: template('train'), trigger },
        evalSpec: { template: template('eval') },
        deploySpec: { model: { name: 'deploy-model' }, trigger, hardExampleMining: { name: 'IBT' }, template: template('infer') },
        outputDir: '/output',
      },
    });

    gm = await startGm();
    await until('Train/Waiting', async () => ((await last()) === 'Train/Waiting' ? true : undefined));
    // The LC's train trigger fired: its report appends Train/Ready; the GM starts the train worker.
    const job = await client.get('IncrementalLearningJob', 'default', 'il');
    const ready: StageCondition = { type: 'Ready', status: 'True', stage: 'Train', reason: 'ReportedByLC', message: 'reported by lc', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z', data: '{"input":{},"output":{}}' };
    await client.mergePatch('IncrementalLearningJob', 'default', 'il', { status: { conditions: [...(await conditionsOf()), ready] } }, 'status');
    const worker = await until('the train worker', async () => {
      const pods = await client.request<{ items: KubeObject[] }>('GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(`incrementallearningjob.sedna.io/uid=${job.metadata.uid},incrementallearningjob.sedna.io/worker-type=train`)}`);
      return pods.items[0];
    });
    // Its node runs it: the GM marks the stage Running and the job with the stage's node.
    await client.mergePatch('Pod', 'default', worker.metadata.name!, { status: { phase: 'Running', containerStatuses: [{ name: 'train', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] } }, 'status');
    await until('Train/Running', async () => ((await last()) === 'Train/Running' ? true : undefined));
    await until('the Train node annotation', async () => ((await client.get('IncrementalLearningJob', 'default', 'il')).metadata.annotations?.['sedna.io/Train'] === NODE ? true : undefined));

    // Many other objects: a Pod list that takes the new GM a while.
    await createMany('Pod', LOAD_PODS, (i) => ({ metadata: { name: `load-${i}` }, spec: { nodeName: 'elsewhere', containers: [{ name: 'c', image: 'example/load:v1' }] } }));
    await createMany('Dataset', LOAD_DATASETS, (i) => ({ metadata: { name: `load-${i}` }, spec: { url: `/data/${i}.txt`, format: 'txt', nodeName: 'elsewhere' } }));

    await gm.stop();
    gm = undefined;
    // The annotation the GM writes from the running worker goes while it is down: its return shows that the new GM
    // reconciled the job and saw the worker.
    await client.mergePatch('IncrementalLearningJob', 'default', 'il', { metadata: { annotations: { 'sedna.io/Train': null } } });
    const before = await conditionsOf();

    gm = await startGm();
    await until('the Train node annotation again', async () => ((await client.get('IncrementalLearningJob', 'default', 'il')).metadata.annotations?.['sedna.io/Train'] === NODE ? true : undefined), 60_000);
    await gm.manager.idle();
    expect(await conditionsOf()).toEqual(before);
    expect(await last()).toBe('Train/Running');
  }, 180_000);
});
