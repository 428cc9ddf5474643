/**
 * The LC's lifelong learning manager with real files, the real dataset manager and a GM playing the stage machine
 * in-process: the train trigger on a csv dataset, Train ready without models, Eval ready with the reported index
 * and the eval outputDir, the deploy copy to <outputDir>/deploy/index.json, and what happens when a stage reports
 * nothing.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetManager } from '../src/managers/dataset/index.js';
import { LifelongLearningManager } from '../src/managers/lifelonglearning/index.js';
import type { UpstreamInput } from '../src/managers/stagejob/index.js';
import { FakeGm, type FakeWorkers } from './incremental-fake-gm.js';
import { tempDir, waitFor } from './runner-helpers.js';

const HOUR = 3_600_000;
const HEADER = 'image,site,label';
const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `images/${from + i}.pgm,${['entrance', 'dock'][(from + i) % 2]},${(from + i) % 10}`);
const text = (list: readonly string[]) => list.map((line) => `${line}\n`).join('');

function llJob(name: string, outputDir: string, options: { threshold?: number; operator?: string } = {}) {
  const template = { spec: { containers: [{ name: 'worker', image: 'example' }] } };
  return {
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'LifelongLearningJob',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations: {} as Record<string, string> },
    spec: {
      dataset: { name: 'lifelong-dataset', trainProb: 0.8 },
      trainSpec: { template, trigger: { checkPeriodSeconds: 60, condition: { operator: options.operator ?? '>=', threshold: options.threshold ?? 8, metric: 'num_of_samples' } } },
      evalSpec: { template },
      deploySpec: { template },
      outputDir,
    },
    status: { conditions: [] as { type: string; status: string; stage: string }[] },
  };
}

/** Workers writing knowledge base indexes as JSON files, as the lib's lifelong learning does. */
function indexWorkers(options: { evalReports?: boolean } = {}): FakeWorkers & { trainInputs: UpstreamInput[]; evalInputs: UpstreamInput[] } {
  const trainInputs: UpstreamInput[] = [];
  const evalInputs: UpstreamInput[] = [];
  return {
    trainInputs,
    evalInputs,
    async train(input) {
      trainInputs.push(input);
      const samples = (await readFile(input.dataURL as string, 'utf8')).trim().split('\n').slice(1);
      const index = path.join(input.outputDir as string, 'index.json');
      await writeFile(index, JSON.stringify({ create_time: `train-${trainInputs.length}`, samples: samples.length }));
      return { kind: 'train', status: 'completed', results: [{ format: 'json', url: index, classes: ['0', '1'], current_metric: {} }] };
    },
    async eval(input) {
      evalInputs.push(input);
      if (options.evalReports === false) return { kind: 'eval', status: 'completed' };
      const trained = JSON.parse(await readFile(input.models?.[0]?.url as string, 'utf8')) as { create_time: string };
      await mkdir(input.outputDir as string, { recursive: true });
      const index = path.join(input.outputDir as string, 'index.json');
      await writeFile(index, JSON.stringify({ create_time: `${trained.create_time}-evaluated` }));
      return { kind: 'eval', status: 'completed', results: [{ format: 'json', url: index, current_metric: { entrance: { precision: 0.8 } } }] };
    },
  };
}

describe('LifelongLearningManager with real files and a GM playing the stage machine', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function setUp(workers: FakeWorkers, jobOptions: Parameters<typeof llJob>[2] = {}) {
    const root = tempDir('ll');
    cleanups.push(root.remove);
    const dataset = path.join(root.dir, 'data', 'train.csv');
    mkdirSync(path.dirname(dataset), { recursive: true });
    writeFileSync(dataset, `${HEADER}\n`);
    const job = llJob('demo', path.join(root.dir, 'output'), jobOptions);
    const gm = new FakeGm(job as never, workers);
    const warnings: string[] = [];
    let ll: LifelongLearningManager;
    let datasets: DatasetManager;
    const boot = () => {
      datasets = new DatasetManager({ roots: [root.dir], checkIntervalMs: HOUR, onSampleCount: (ref) => ll.datasetChanged(`${ref.namespace}/${ref.name}`), onError: (_ref, error) => warnings.push(error.message) });
      ll = new LifelongLearningManager({ nodeName: 'edge-1', dataDir: path.join(root.dir, 'lc'), roots: [root.dir], send: gm.send, samples: (key) => datasets.samples(key), datasetInfo: (key) => datasets.get(key), warn: (m) => warnings.push(m) });
      gm.manager = ll;
      datasets.upsert({ metadata: { name: 'lifelong-dataset', namespace: 'default' }, spec: { url: dataset, format: 'csv', nodeName: 'edge-1' } });
    };
    const shutdown = async () => {
      await gm.settle();
      await ll.close();
      datasets.close();
    };
    boot();
    cleanups.push(shutdown);
    return {
      dataset,
      gm,
      warnings,
      get ll() {
        return ll;
      },
      /** Closes the managers (an LC stopping), starts new ones on the same data dir, and the GM resyncs the job. */
      async restart() {
        await shutdown();
        boot();
        gm.resend();
      },
      out: (...parts: string[]) => path.join(root.dir, 'output', ...parts),
    };
  }

  const ROUND = ['Train/Waiting', 'Train/Ready', 'Train/Starting', 'Train/Running', 'Train/Completed', 'Eval/Waiting', 'Eval/Ready', 'Eval/Starting', 'Eval/Running', 'Eval/Completed', 'Deploy/Waiting', 'Deploy/Ready', 'Deploy/Completed'];

  it('plays two rounds: trigger, csv round files, the index through eval to deploy/index.json', async () => {
    const workers = indexWorkers();
    const t = setUp(workers);
    appendFileSync(t.dataset, text(rows(0, 5)));
    t.gm.start();
    await waitFor('five samples accounted', () => t.ll.status('default/demo')?.consumedLines === 5);
    await t.ll.idle();
    expect(t.gm.received).toEqual([]); // 4 train samples (0.8 of 5), below the threshold of 8

    appendFileSync(t.dataset, text(rows(5, 10)));
    await waitFor('round 1 to end', () => t.gm.history().length === ROUND.length + 1);
    expect(t.gm.history()).toEqual([...ROUND, 'Train/Waiting']);

    // Train ready: no models (the knowledge base holds them), the round's rows with the csv header, the outputDir
    const trainReady = t.gm.received[0];
    expect(trainReady).toMatchObject({ phase: 'train', status: 'ready', input: { dataURL: t.out('data', 'train', '1', 'data.csv'), outputDir: t.out('train', '1') } });
    expect(trainReady?.input?.models).toBeUndefined();
    expect(readFileSync(t.out('data', 'train', '1', 'data.csv'), 'utf8').trim().split('\n')).toEqual([HEADER, ...rows(0, 10).filter((_, i) => i % 5 !== 4)]);

    // Eval ready: the index the train worker reported, the eval rows, and the eval outputDir (created)
    expect(workers.evalInputs[0]).toEqual({ models: [expect.objectContaining({ format: 'json', url: t.out('train', '1', 'index.json') })], dataURL: t.out('data', 'eval', '1', 'data.csv'), outputDir: t.out('eval', '1'), numberOfSamples: expect.any(Number), round: 1 });
    expect(readFileSync(t.out('data', 'eval', '1', 'data.csv'), 'utf8').trim().split('\n')).toEqual([HEADER, rows(4, 5)[0], rows(9, 10)[0]]);

    // Deploy: the evaluated index copied to deploy/index.json, Ready carrying [evaluated, deployed]
    const deployReady = t.gm.received.find((c) => c.phase === 'deploy');
    expect(deployReady).toEqual({ phase: 'deploy', status: 'ready', input: { models: [expect.objectContaining({ url: t.out('eval', '1', 'index.json') }), { format: 'json', url: t.out('deploy', 'index.json') }] } });
    expect(JSON.parse(readFileSync(t.out('deploy', 'index.json'), 'utf8'))).toEqual({ create_time: 'train-1-evaluated' });

    // Round 2 after a restart of the LC: the round counter and the accounting survived
    await t.restart();
    appendFileSync(t.dataset, text(rows(10, 20)));
    await waitFor('round 2 to end', () => t.gm.history().length === 2 * ROUND.length + 1);
    expect(workers.trainInputs.map((i) => i.outputDir)).toEqual([t.out('train', '1'), t.out('train', '2')]);
    expect(readFileSync(t.out('data', 'train', '2', 'data.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 8);
    expect(JSON.parse(readFileSync(t.out('deploy', 'index.json'), 'utf8'))).toEqual({ create_time: 'train-2-evaluated' });
    expect(t.gm.refused).toEqual([]);
  });

  it('deploys nothing, saying why, when the eval worker reports no index; the job goes back to Train', async () => {
    const t = setUp(indexWorkers({ evalReports: false }));
    appendFileSync(t.dataset, text(rows(0, 10)));
    t.gm.start();
    await waitFor('the round to end', () => t.gm.history().length === ROUND.length);
    expect(t.gm.history().slice(-3)).toEqual(['Deploy/Waiting', 'Deploy/Completed', 'Train/Waiting']);
    expect(t.gm.received.at(-1)).toEqual({ phase: 'deploy', status: 'completed', output: { ownerInfo: { deployed: false, reason: 'the eval stage of this round reported no knowledge base index' } } });
    expect(existsSync(t.out('deploy', 'index.json'))).toBe(false);
  });

  it('refuses a job with an unknown trigger operator, naming the field, and skips malformed csv rows', async () => {
    const t = setUp(indexWorkers());
    const bad = llJob('broken', '/tmp/x', { operator: 'about' });
    expect(t.ll.upsertJob(bad)).toBe(false);
    expect(t.warnings.at(-1)).toMatch(/^ignoring a lifelong learning job: lifelonglearningjob default\/broken: spec\.trainSpec\.trigger\.condition\.operator/);

    appendFileSync(t.dataset, text([...rows(0, 3), 'only-one-column', ...rows(3, 10)]));
    t.gm.start();
    await waitFor('the round to end', () => t.gm.history().length === ROUND.length + 1);
    expect(t.ll.status('default/demo')?.malformedSamples).toBe(1);
    expect(t.warnings.some((w) => /skipped 1 malformed sample line\(s\).*only-one-column/.test(w))).toBe(true);
  });
});
