import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetManager } from '../src/managers/dataset/index.js';
import { IncrementalLearningManager, type IncrementalLearningManagerOptions, type UpstreamInput } from '../src/managers/incrementallearning/index.js';
import { FakeGm, ilJob, modelObject, type FakeWorkers } from './incremental-fake-gm.js';
import { tempDir, waitFor } from './runner-helpers.js';

const HOUR = 3_600_000;
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `images/${from + i}.pgm ${(from + i) % 10}`);
const text = (list: readonly string[]) => (list.length === 0 ? '' : list.join('\n') + '\n');

/** Train and eval workers that write and read real files: the model records what it was trained on. */
function fileWorkers(options: { accuracy?: (round: number) => [number, number]; reportModels?: boolean } = {}): FakeWorkers & { trainedOn: string[][] } {
  const trainedOn: string[][] = [];
  return {
    trainedOn,
    async train(input: UpstreamInput) {
      // (csv rounds start with their header line, which is no sample)
      const data = (await readFile(input.dataURL as string, 'utf8')).split('\n').filter((line) => line !== '' && line !== 'path,label');
      trainedOn.push(data);
      const base = await readFile(input.models?.[0]?.url as string, 'utf8');
      const model = path.join(input.outputDir as string, 'model.txt');
      await writeFile(model, `${base.trim()}+${data.length}`);
      return { kind: 'train', status: 'completed', ...(options.reportModels === false ? {} : { results: [{ format: 'txt', url: model, metrics: { loss: [0.3] } }] }) };
    },
    async eval(input: UpstreamInput) {
      const round = Number(path.basename(path.dirname(input.dataURL as string)));
      const [fresh, old] = options.accuracy?.(round) ?? [0.9, 0.6];
      const [trained, deployed] = input.models ?? [];
      return {
        kind: 'eval',
        status: 'completed',
        results: [
          { format: 'txt', url: trained?.url, metrics: { accuracy: [fresh], precision: [fresh, fresh] } },
          { format: 'txt', url: deployed?.url, metrics: { accuracy: [old], precision: [old, old] } },
        ],
      };
    },
  };
}

describe('IncrementalLearningManager with real files and a GM playing the stage machine', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function setUp(jobOptions: Partial<Parameters<typeof ilJob>[1]> = {}, workers: FakeWorkers = fileWorkers(), dataFormat: 'txt' | 'csv' = 'txt') {
    const root = tempDir('il');
    cleanups.push(root.remove);
    const dataset = path.join(root.dir, 'data', dataFormat === 'csv' ? 'train.csv' : 'train.txt');
    mkdirSync(path.dirname(dataset), { recursive: true });
    const models = path.join(root.dir, 'models');
    mkdirSync(models, { recursive: true });
    writeFileSync(path.join(models, 'initial.txt'), 'base');
    writeFileSync(path.join(models, 'deploy.txt'), 'base');
    writeFileSync(path.join(models, 'eval.txt'), 'base');
    const hotConfig = path.join(root.dir, 'hot', 'default', 'incrementallearningjob', 'demo', 'model_config.json');
    const job = ilJob('demo', { dataset: 'incremental-dataset', outputDir: path.join(root.dir, 'output'), ...jobOptions });
    job.metadata.annotations['sedna.io/model-hot-update-config'] = hotConfig;
    const gm = new FakeGm(job, workers);
    const warnings: string[] = [];
    const clock = { now: new Date(2026, 0, 15, 10, 0) };
    let il: IncrementalLearningManager;
    let datasets: DatasetManager;
    const boot = () => {
      datasets = new DatasetManager({
        roots: [root.dir],
        checkIntervalMs: HOUR,
        onSampleCount: (ref) => il.datasetChanged(`${ref.namespace}/${ref.name}`),
        onError: (_ref, error) => warnings.push(error.message),
      });
      const options: IncrementalLearningManagerOptions = {
        nodeName: 'edge-1',
        dataDir: path.join(root.dir, 'lc'),
        roots: [root.dir],
        send: gm.send,
        samples: (key) => datasets.samples(key),
        datasetInfo: (key) => datasets.get(key),
        clock: () => clock.now,
        warn: (message) => warnings.push(message),
      };
      il = new IncrementalLearningManager(options);
      gm.manager = il;
      il.upsertModel(modelObject('initial-model', path.join(models, 'initial.txt'), 'txt'));
      il.upsertModel(modelObject('deploy-model', path.join(models, 'deploy.txt'), 'txt'));
      il.upsertModel(modelObject('eval-model', path.join(models, 'eval.txt'), 'txt'));
      datasets.upsert({ metadata: { name: 'incremental-dataset', namespace: 'default' }, spec: { url: dataset, format: dataFormat, nodeName: 'edge-1' } });
    };
    const shutdown = async () => {
      await gm.settle();
      await il.close();
      datasets.close();
    };
    boot();
    cleanups.push(shutdown);
    return {
      root: root.dir,
      dataset,
      models,
      hotConfig,
      gm,
      warnings,
      clock,
      get il() {
        return il;
      },
      get datasets() {
        return datasets;
      },
      /** Closes the managers (an LC stopping) and starts new ones on the same data dir (the LC coming back). */
      async restart() {
        await shutdown();
        boot();
      },
      out: (...parts: string[]) => path.join(root.dir, 'output', ...parts),
    };
  }

  const ROUND = ['Train/Waiting', 'Train/Ready', 'Train/Starting', 'Train/Running', 'Train/Completed', 'Eval/Waiting', 'Eval/Ready', 'Eval/Starting', 'Eval/Running', 'Eval/Completed', 'Deploy/Waiting'];

  it('plays a whole round: train trigger on new samples, round files, eval, deploy trigger, hot update', async () => {
    const t = setUp({}, {
      ...fileWorkers(),
      hotUpdate: async () => {
        // the inference worker: loads what model_config.json names, then reports
        await waitFor('model_config.json', () => existsSync(t.hotConfig));
        return { kind: 'deploy', status: 'completed' };
      },
    });
    writeFileSync(t.dataset, text(lines(0, 2)));
    t.gm.start();
    await waitFor('two samples accounted', () => t.il.status('default/demo')?.consumedLines === 2);
    await t.il.idle();
    expect(t.gm.received).toEqual([]); // 1 train sample (0.8 of 2) is below the threshold of 4

    appendFileSync(t.dataset, text(lines(2, 6)));
    await waitFor('the round to end', () => t.gm.history().length === ROUND.length + 5);
    expect(t.gm.history()).toEqual([...ROUND, 'Deploy/Ready', 'Deploy/Starting', 'Deploy/Running', 'Deploy/Completed', 'Train/Waiting']);
    expect(t.gm.refused).toEqual([]);

    // Round files: the first batch (2 lines) gave 1 train + 1 eval, the second (4 lines) 3 train + 1 eval.
    const all = lines(0, 6);
    expect(readFileSync(t.out('data', 'train', '1', 'data.txt'), 'utf8')).toBe(text([all[0], all[2], all[3], all[4]] as string[]));
    expect(readFileSync(t.out('data', 'eval', '1', 'data.txt'), 'utf8')).toBe(text([all[1], all[5]] as string[]));
    expect(existsSync(t.out('data', 'train', '1', 'dataIndex.txt'))).toBe(false); // a local dataset needs no index

    const [train, evaluation, deploy] = t.gm.received.filter((m) => m.status === 'ready');
    expect(train).toEqual({
      phase: 'train',
      status: 'ready',
      input: { models: [{ format: 'txt', url: path.join(t.models, 'initial.txt') }], dataURL: t.out('data', 'train', '1', 'data.txt'), outputDir: t.out('train', '1'), numberOfSamples: expect.any(Number), round: 1 },
    });
    // The sample counts the GM's metrics read (TrainSampleNum, EvalSampleNum) are the round files' lines.
    const lineCount = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').length;
    expect(train!.input!.numberOfSamples).toBe(await lineCount(t.out('data', 'train', '1', 'data.txt')));
    expect(evaluation!.input!.numberOfSamples).toBe(await lineCount(t.out('data', 'eval', '1', 'data.txt')));
    const trained = { format: 'txt', url: t.out('train', '1', 'model.txt'), metrics: { loss: [0.3] } };
    expect(evaluation).toEqual({ phase: 'eval', status: 'ready', input: { models: [trained, { format: 'txt', url: path.join(t.models, 'deploy.txt') }], dataURL: t.out('data', 'eval', '1', 'data.txt'), numberOfSamples: expect.any(Number), round: 1 } });
    expect(deploy).toEqual({ phase: 'deploy', status: 'ready', input: { models: [trained, { format: 'txt', url: path.join(t.models, 'deploy.txt') }] } });

    // Hot update: the model copied under the config's folder, the config pointing at it in the container's mount.
    const config = JSON.parse(readFileSync(t.hotConfig, 'utf8')) as { model_config: { model_path: string; model_update_time: string } };
    expect(config.model_config.model_path).toMatch(/^\/model-hot-update\/models\/v\d+\/model\.txt$/);
    const copy = path.join(path.dirname(t.hotConfig), config.model_config.model_path.slice('/model-hot-update/'.length));
    expect(readFileSync(copy, 'utf8')).toBe('base+4');
    expect(config.model_config.model_update_time).toBe(t.clock.now.toISOString());
    expect(readFileSync(path.join(t.models, 'deploy.txt'), 'utf8')).toBe('base+4'); // as the original, the deploy model too

    expect(t.il.status('default/demo')).toMatchObject({ rounds: 1, pendingTrainSamples: 0, evalSamples: 2, consumedLines: 6, malformedSamples: 0, stage: 'Train/Waiting' });
    // A resync sends the same job again: nothing is done twice.
    const sent = t.gm.received.length;
    t.gm.resend();
    await t.il.idle();
    expect(t.gm.received).toHaveLength(sent);
  });

  it('trains the next round from the last trained model on the new samples only, and keeps a model that is not better', async () => {
    const workers = fileWorkers({ accuracy: (round) => (round === 1 ? [0.9, 0.6] : [0.91, 0.9]) });
    const t = setUp({ hotUpdate: false, trainProb: 1 }, workers);
    writeFileSync(t.dataset, text(lines(0, 4)));
    t.gm.start();
    await waitFor('round 1', () => t.gm.history().filter((h) => h === 'Train/Waiting').length === 2);
    appendFileSync(t.dataset, text(lines(4, 9)));
    await waitFor('round 2', () => t.gm.history().filter((h) => h === 'Train/Waiting').length === 3);

    expect(workers.trainedOn).toEqual([lines(0, 4), lines(4, 9)]);
    const round2 = t.gm.received.filter((m) => m.phase === 'train' && m.status === 'ready')[1];
    expect(round2?.input?.models?.[0]?.url).toBe(t.out('train', '1', 'model.txt'));
    expect(readFileSync(t.out('train', '2', 'model.txt'), 'utf8')).toBe('base+4+5');
    const deploys = t.gm.received.filter((m) => m.phase === 'deploy');
    expect(deploys.map((m) => m.status)).toEqual(['ready', 'completed']);
    expect(deploys[1]?.output?.ownerInfo).toEqual({ deployed: false, reason: 'accuracy_delta[0] = 0.010000000000000009: accuracy_delta[0] > 0.1 is false' });
    // Cold update: round 1's model was copied over the deploy model, round 2's was not.
    expect(readFileSync(path.join(t.models, 'deploy.txt'), 'utf8')).toBe('base+4');
  });

  it('survives an LC restart: rounds, accounted samples and actions already taken', async () => {
    const t = setUp({ hotUpdate: false });
    writeFileSync(t.dataset, text(lines(0, 5)));
    t.gm.hold(); // the GM has not processed Train ready yet when the LC goes down
    t.gm.start();
    await waitFor('train ready', () => t.gm.received.length === 1);
    await t.restart();
    t.gm.resend();
    await waitFor('samples accounted after the restart', () => t.datasets.get('default/incremental-dataset')?.numberOfSamples === 5);
    await t.il.idle();
    expect(t.gm.received).toHaveLength(1); // the same Train/Waiting: not sent again
    expect(t.il.status('default/demo')).toMatchObject({ rounds: 1, consumedLines: 5, pendingTrainSamples: 0 });

    t.gm.release();
    await waitFor('round 1', () => t.gm.history().filter((h) => h === 'Train/Waiting').length === 2);
    await t.restart();
    t.gm.resend();
    appendFileSync(t.dataset, text(lines(5, 10)));
    await waitFor('round 2', () => t.gm.history().filter((h) => h === 'Train/Waiting').length === 3);
    expect(readFileSync(t.out('data', 'train', '2', 'data.txt'), 'utf8')).toBe(text(lines(5, 9)));
    // eval of round 2: round 1's version and round 2's
    expect(readFileSync(t.out('data', 'eval', '2', 'data.txt'), 'utf8')).toBe(text([...lines(4, 5), ...lines(9, 10)]));
    expect(t.il.status('default/demo')).toMatchObject({ rounds: 2, evalVersions: 2 });
  });

  it('skips, counts and reports malformed dataset lines without stopping', async () => {
    const t = setUp({ hotUpdate: false, trainProb: 1, trainThreshold: 3 });
    writeFileSync(t.dataset, 'images/0.pgm 0\nimages/1.pgm\nimages/2.pgm 2 two\nimages/3.pgm 3\nimages/4.pgm 4\n');
    t.gm.start();
    await waitFor('train ready', () => t.gm.received.length >= 1);
    expect(readFileSync(t.out('data', 'train', '1', 'data.txt'), 'utf8')).toBe('images/0.pgm 0\nimages/3.pgm 3\nimages/4.pgm 4\n');
    expect(t.il.status('default/demo')?.malformedSamples).toBe(2);
    expect(t.warnings).toContain(
      'job default/demo: dataset default/incremental-dataset: skipped 2 malformed sample line(s) (2 so far): sample line 2 "images/1.pgm" has no label (expected "path label"); sample line 3 "images/2.pgm 2 two" has 3 columns (expected "path label")',
    );
  });

  it('checks the trigger every checkPeriodSeconds, so it fires when the time window opens', async () => {
    const t = setUp({ timer: { start: '02:00', end: '03:00' }, checkPeriodSeconds: 1 });
    writeFileSync(t.dataset, text(lines(0, 10)));
    t.gm.start();
    await waitFor('samples accounted', () => t.il.status('default/demo')?.pendingTrainSamples === 8);
    await t.il.idle();
    expect(t.gm.received).toEqual([]); // 10:00 is outside 02:00-03:00
    t.clock.now = new Date(2026, 0, 16, 2, 30); // nothing else changes: only the periodic check can see this
    await waitFor('train ready', () => t.gm.received.length >= 1);
    expect(t.gm.received[0]?.phase).toBe('train');
  });

  it('writes csv rounds with their header and, without hot update, copies the model over the deploy and eval models', async () => {
    const t = setUp({ hotUpdate: false, trainProb: 0.5, trainThreshold: 2, initialEvalModel: 'eval-model' }, fileWorkers(), 'csv');
    writeFileSync(t.dataset, 'path,label\na.pgm,1\nb.pgm,2\nc.pgm,3\nd.pgm,4\n"e,1.pgm",5\nbad\n');
    t.gm.start();
    await waitFor('round 1', () => t.gm.history().filter((h) => h === 'Train/Waiting').length === 2);
    expect(readFileSync(t.out('data', 'train', '1', 'data.csv'), 'utf8')).toBe('path,label\na.pgm,1\nb.pgm,2\n');
    expect(readFileSync(t.out('data', 'eval', '1', 'data.csv'), 'utf8')).toBe('path,label\nc.pgm,3\nd.pgm,4\n"e,1.pgm",5\n');
    expect(t.gm.received.find((m) => m.phase === 'eval')?.input?.models?.[1]?.url).toBe(path.join(t.models, 'eval.txt'));
    expect(readFileSync(path.join(t.models, 'deploy.txt'), 'utf8')).toBe('base+2');
    expect(readFileSync(path.join(t.models, 'eval.txt'), 'utf8')).toBe('base+2');
    expect(t.il.status('default/demo')?.malformedSamples).toBe(1);
  });

  it('fails the eval stage with a reason when the train worker reported no model', async () => {
    const t = setUp({ hotUpdate: false, trainProb: 1 }, fileWorkers({ reportModels: false }));
    writeFileSync(t.dataset, text(lines(0, 4)));
    t.gm.start();
    await waitFor('back to train', () => t.gm.history().at(-2) === 'Eval/Failed');
    expect(t.gm.received.at(-1)).toEqual({
      phase: 'eval',
      status: 'failed',
      output: { ownerInfo: { reason: 'the train stage of this round reported no trained model (no Train/Completed condition with output models after the last Train/Ready)' } },
    });
    expect(t.gm.state).toBe('Train/Waiting');
  });

  it('forwards worker reports of known jobs only, in the original form', async () => {
    const t = setUp();
    t.gm.start();
    await t.il.idle();
    const report = { namespace: 'default', ownerName: 'demo', kind: 'train', status: 'completed', results: [{ format: 'txt', url: '/m' }], ownerInfo: { epochs: 2 } };
    t.gm.hold();
    expect(t.il.handleWorkerReport(report)).toBe(true);
    expect(t.il.handleWorkerReport({ ...report, ownerName: 'other' })).toBe(false);
    expect(t.gm.received).toEqual([{ phase: 'train', status: 'completed', output: { models: [{ format: 'txt', url: '/m' }], ownerInfo: { epochs: 2 } } }]);
  });

  it('refuses an outputDir outside its roots, naming it, and a job object with a bad trigger', async () => {
    const t = setUp({ outputDir: '/etc/sedna-output' });
    writeFileSync(t.dataset, text(lines(0, 10)));
    t.gm.start();
    await waitFor('the refusal', () => t.warnings.find((w) => w.includes('spec.outputDir "/etc/sedna-output"')));
    expect(t.gm.received).toEqual([]);
    const bad = ilJob('broken', { dataset: 'x', outputDir: t.root });
    (bad.spec.trainSpec.trigger.condition as { metric: string }).metric = 'num of samples';
    expect(t.il.upsertJob(bad)).toBe(false);
    expect(t.warnings.at(-1)).toMatch(/^ignoring an incremental learning job: incrementallearningjob default\/broken: spec\.trainSpec\.trigger\.condition\.metric/);
  });

  it('copies a tfjs model.json with its weights and a model folder', async () => {
    const t = setUp();
    const { copyModel } = await import('../src/managers/incrementallearning/index.js');
    const src = path.join(t.root, 'tfjs');
    await mkdir(src);
    await writeFile(path.join(src, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] }));
    await writeFile(path.join(src, 'weights.bin'), 'W');
    const dst = path.join(t.root, 'deployed');
    await mkdir(dst);
    expect(await copyModel(path.join(src, 'model.json'), dst)).toBe(path.join(dst, 'model.json'));
    expect(readFileSync(path.join(dst, 'weights.bin'), 'utf8')).toBe('W');
    expect(await copyModel(src, path.join(t.root, 'folder-copy'))).toBe(path.join(t.root, 'folder-copy'));
    expect(readFileSync(path.join(t.root, 'folder-copy', 'weights.bin'), 'utf8')).toBe('W');
    await expect(copyModel(path.join(t.root, 'missing.onnx'), dst)).rejects.toThrow(/model .*missing\.onnx cannot be read: it does not exist/);
  });
});
