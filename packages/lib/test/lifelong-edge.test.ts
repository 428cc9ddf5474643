/**
 * LifelongLearning on small synthetic tasks (2-D points, a small dense model): the edge's outcomes for samples that
 * match no task or a withdrawn one, hot reload by the poll timer, a broken index that must not stop the serving
 * one, the unseen estimator and the unseen sample files, failure reports, cluster-defined tasks, and unseen tasks
 * that wait for enough samples.
 */
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SampleSet } from '../src/algorithms/lifelong/sample-set.js';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import { parseKbIndex, withDeployStatus } from '../src/core/lifelong_learning/kb-index.js';
import { LifelongLearning, type LifelongLearningOptions } from '../src/core/lifelong_learning/lifelong-learning.js';
import { LifelongReporter } from '../src/core/lifelong_learning/reports.js';
import { UNSEEN_INDEX_NAME } from '../src/core/lifelong_learning/unseen-samples.js';
import { waitFor } from '../../../test-kit/index.js';

const spec = { inputShape: [2], layers: [{ type: 'dense' as const, units: 8, activation: 'relu' as const }, { type: 'dense' as const, units: 2, activation: 'softmax' as const }] };

/** n points around (cx, cy) labelled by which side of the centre's x they fall on, with a site attribute. */
function site(name: string, cx: number, cy: number, n: number, offset = 0): SampleSet {
  const data = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const dx = Math.sin((i + offset) * 1.37) * 0.8;
    const dy = Math.cos((i + offset) * 2.11) * 0.8;
    data[2 * i] = cx + dx;
    data[2 * i + 1] = cy + dy;
    labels[i] = dx > 0 ? 1 : 0;
  }
  return new SampleSet({ dataType: 'train', features: { data, shape: [n, 2] }, labels, attributes: Array.from({ length: n }, () => ({ site: name })), ids: Array.from({ length: n }, (_, i) => `${name}-${offset + i}`) });
}

describe('lifelong learning edge and update behaviours', () => {
  let dir: string;
  const logs: string[] = [];
  const workers: LifelongLearning[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sedna-ll-edge-'));
  });

  afterAll(async () => {
    for (const w of workers) await w.close();
    await rm(dir, { recursive: true, force: true });
  });

  function worker(env: Record<string, string>, extra: Partial<LifelongLearningOptions> = {}): LifelongLearning {
    const ll = new LifelongLearning({
      seenEstimator: () => new MlpEstimator({ spec, seed: 1 }),
      taskDefinition: { method: 'TaskDefinitionByDataAttr', param: { attribute: 'site' } },
      trainOptions: { epochs: 30, batchSize: 16, learningRate: 0.01, seed: 1 },
      profile: { clusters: 2 },
      env: { edge_output_url: path.join(dir, 'edge', String(workers.length)), ...env },
      kb: false,
      log: (line) => logs.push(line),
      ...extra,
    });
    workers.push(ll);
    return ll;
  }

  const until = async (condition: () => boolean, what: string, ms = 10_000): Promise<void> => void (await waitFor(what, condition, ms, 50));

  it('tells why a sample is unseen, follows deploy changes by polling, and survives a broken index', async () => {
    const trained = await worker({ OUTPUT_URL: path.join(dir, 'kb1') }).train(SampleSet.concat([site('a', 0, 0, 80), site('b', 6, 6, 80)]));
    const served = path.join(dir, 'served-index.json');
    await writeFile(served, await readFile(trained.published.indexUrl, 'utf8'));
    const edge = worker({ MODEL_URLS: served, MODEL_POLL_PERIOD_SECONDS: '1', UT_SAVED_URL: path.join(dir, 'unseen') });

    const probe = new SampleSet({
      dataType: 'test',
      features: { data: Float32Array.from([0.3, 0.1, 6.2, 5.9, 0.2, -0.1, 40, 40, 0.1, 0.2]), shape: [5, 2] },
      attributes: [{ site: 'a' }, { site: 'b' }, { site: 'c' }, { site: 'a' }, { site: 'b' }],
      ids: ['p0', 'p1', 'p2', 'p3', 'p4'],
    });
    const first = await edge.inference(probe);
    expect(first.outcomes.map((o) => [o.seen, o.reason ?? '', o.answeredBy])).toEqual([
      [true, '', 'a'],
      [true, '', 'b'],
      [false, 'no-matching-task', 'a'],
      [false, 'unseen-sample', 'b'],
      // Looks like a's samples, but its attributes say b: b's model answers.
      [true, '', 'b'],
    ]);
    expect(first.isUnseenTask).toEqual({ p0: false, p1: false, p2: true, p3: true, p4: false });
    expect(first.predictions.shape).toEqual([5, 2]);

    // The evaluation withdraws b; the poll notices the new create_time, the next request serves it.
    const withdrawn = withDeployStatus(parseKbIndex(await readFile(served, 'utf8'), served), ['b'], false);
    await writeFile(served, JSON.stringify(withdrawn));
    await until(() => edge.publishedVersion === withdrawn.create_time, 'the poll to see the new index');
    const second = await edge.inference(probe);
    expect(second.version).toBe(withdrawn.create_time);
    // Withdrawn tasks are not recognized any more, and a sample allocated to one is unseen too.
    expect(second.outcomes[1]).toMatchObject({ seen: false, reason: 'unseen-sample', task: 'a', answeredBy: 'a' });
    expect(second.outcomes[4]).toMatchObject({ seen: false, reason: 'task-not-deployed', task: 'b', answeredBy: 'a' });

    // A broken index does not stop the serving one.
    const broken = { ...withdrawn, create_time: String(Number(withdrawn.create_time) + 5), seen_task: { ...withdrawn.seen_task, task_groups: withdrawn.seen_task.task_groups.map((g) => ({ ...g, model: { ...g.model, url: path.join(dir, 'no-such-model.json') } })) } };
    await writeFile(served, JSON.stringify(broken));
    await edge.checkForNewIndex();
    const third = await edge.inference(probe);
    expect(third.version).toBe(withdrawn.create_time);
    expect(logs.some((l) => l.includes('keeps serving'))).toBe(true);

    // Unseen samples went to UT_SAVED_URL, each batch with its samples file.
    const csv = (await readFile(path.join(dir, 'unseen', UNSEEN_INDEX_NAME), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('sample,site,predicted,score,reason,nearest_task,detected_at,source');
    expect(csv.slice(1).map((row) => row.split(',')[4])).toEqual([
      ...['no-matching-task', 'unseen-sample'],
      ...['unseen-sample', 'no-matching-task', 'unseen-sample', 'task-not-deployed'],
      ...['unseen-sample', 'no-matching-task', 'unseen-sample', 'task-not-deployed'],
    ]);
    expect((await readdir(path.join(dir, 'unseen', 'batches'))).length).toBe(3);
    expect(edge.unseenSamplesSaved).toBe(10);
  });

  it('answers unseen samples with the unseen estimator, and hands them to a post-process when given', async () => {
    const trained = await worker({ OUTPUT_URL: path.join(dir, 'kb2') }).train(site('a', 0, 0, 60));
    const fallback = new MlpEstimator({ spec, seed: 9 });
    const handed: string[][] = [];
    const edge = worker({ MODEL_URLS: trained.published.indexUrl }, { unseenEstimator: fallback, unseenSamplePostprocess: (samples) => void handed.push([...samples.ids]) });
    const result = await edge.inference(SampleSet.concat([site('a', 0, 0, 2, 500), site('z', 30, -30, 2)], 'test'));
    expect(result.outcomes.map((o) => o.answeredBy)).toEqual(['a', 'a', '(unseen estimator)', '(unseen estimator)']);
    expect(handed).toEqual([['z-0', 'z-1']]);
  });

  it('reports a failed round to the LC and names the problem', async () => {
    const sent: string[] = [];
    const reporter = new LifelongReporter(undefined, () => undefined);
    reporter.report = async (kind, status) => void sent.push(`${kind} ${status}`);
    const ll = worker({ OUTPUT_URL: path.join(dir, 'kb3'), HAS_COMPLETED_INITIAL_TRAINING: 'true' }, { reporter });
    await expect(ll.train(site('a', 0, 0, 20))).rejects.toThrow(/needs CLOUD_KB_INDEX/);
    const unlabelled = new SampleSet({ dataType: 'test', features: { data: new Float32Array(4), shape: [2, 2] }, attributes: [{ site: 'a' }, { site: 'a' }] });
    await expect(worker({ OUTPUT_URL: path.join(dir, 'kb4') }, { reporter }).train(unlabelled)).rejects.toThrow(/needs labelled samples/);
    await expect(worker({}, { reporter }).evaluate(site('a', 0, 0, 5))).rejects.toThrow(/needs MODEL_URLS/);
    expect(sent).toEqual(['train failed', 'train failed', 'eval failed']);
  });

  it('keeps a small unseen task waiting until enough samples arrive, then learns it', async () => {
    const initial = await worker({ OUTPUT_URL: path.join(dir, 'kb5') }).train(site('a', 0, 0, 60));
    const small = await worker({ OUTPUT_URL: path.join(dir, 'kb6'), HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: initial.published.indexUrl, MIN_TRAIN_SAMPLE: '20' }).train(site('far', 20, -20, 8));
    expect(small.updates.map((u) => u.kind)).toEqual(['pending']);
    expect(small.index.unseen_task.task_groups.map((g) => [g.entry, g.model, g.tasks[0]?.samples.sample_num])).toEqual([['far', null, 8]]);
    expect(small.index.statistics).toEqual({ labeled_unseen_samples: 8, unseen_samples: 8 });
    // The same 8 again are not counted twice; 16 more make 24 >= 20.
    const more = await worker({ OUTPUT_URL: path.join(dir, 'kb7'), HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: small.published.indexUrl, MIN_TRAIN_SAMPLE: '20' }).train(SampleSet.concat([site('far', 20, -20, 8), site('far', 20, -20, 16, 100)]));
    expect(more.updates.map((u) => [u.kind, u.kind === 'retrain' ? u.task : u.task.entry])).toEqual([['new-task', 'far']]);
    expect(more.index.unseen_task.task_groups).toEqual([]);
    expect(more.index.seen_task.task_groups.find((g) => g.entry === 'far')?.model?.train_samples).toBe(24);
    expect(more.index.statistics).toEqual({ labeled_unseen_samples: 24, unseen_samples: 0 });
  });

  it('retrains a group shared by several tasks once, with the new samples of each', async () => {
    const options = { taskRelationshipDiscovery: { method: 'TaskRelationDiscoverBySimilarity', param: { threshold: 100 } } };
    const initial = await worker({ OUTPUT_URL: path.join(dir, 'kb10') }, options).train(SampleSet.concat([site('a', 0, 0, 40), site('b', 1, 1, 40)]));
    expect(initial.index.seen_task.task_groups.map((g) => [g.entry, g.tasks.map((t) => t.entry), g.relations.map((r) => r.transfer_ratio)])).toEqual([['a+b', ['a', 'b'], [0.5, 0.5]]]);
    const update = await worker({ OUTPUT_URL: path.join(dir, 'kb11'), HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: initial.published.indexUrl }, options).train(
      SampleSet.concat([site('a', 0, 0, 5, 200), site('b', 1, 1, 7, 200), site('a', 0, 0, 3)]),
    );
    expect(update.updates.map((u) => [u.kind, u.kind === 'retrain' && u.task]).sort()).toEqual([
      ['retrain', 'a'],
      ['retrain', 'b'],
    ]);
    expect(Object.keys(update.trained)).toEqual(['a+b']);
    const group = update.index.seen_task.task_groups[0];
    expect(group?.model?.train_samples).toBe(92);
    expect(group?.tasks.map((t) => t.samples.sample_num)).toEqual([45, 47]);
  });

  it('works with tasks defined by clustering: allocation by the nearest centre, new clusters renamed', async () => {
    const options = { taskDefinition: { method: 'TaskDefinitionByCluster', param: { n_class: 2, seed: 3 } } };
    const data = SampleSet.concat([site('x', 0, 0, 50), site('y', 8, 0, 50)]);
    const initial = await worker({ OUTPUT_URL: path.join(dir, 'kb8') }, options).train(data);
    expect(initial.index.seen_task.extractor).toEqual({ kind: 'cluster' });
    expect(initial.index.seen_task.task_groups.map((g) => g.tasks[0]?.samples.sample_num).sort()).toEqual([50, 50]);
    const update = await worker({ OUTPUT_URL: path.join(dir, 'kb9'), HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: initial.published.indexUrl }, options).train(site('w', 0, 30, 40));
    // The new samples form new clusters; their numbers collide with the known ones, so they are renamed.
    expect(update.updates.map((u) => [u.kind, u.kind === 'retrain' ? u.task : u.task.entry])).toEqual([
      ['new-task', 'cluster-0-2'],
      ['new-task', 'cluster-1-2'],
    ]);
    expect(update.index.seen_task.task_groups.map((g) => g.entry)).toEqual(['cluster-0', 'cluster-1', 'cluster-0-2', 'cluster-1-2']);
    const edge = worker({ MODEL_URLS: update.published.indexUrl }, options);
    const result = await edge.inference(SampleSet.concat([site('x', 0, 0, 3, 300), site('w', 0, 30, 3, 300)], 'test'));
    expect(result.outcomes.every((o) => o.seen)).toBe(true);
    expect(result.outcomes.slice(0, 3).every((o) => !o.answeredBy.endsWith('-2'))).toBe(true);
    expect(result.outcomes.slice(3).every((o) => o.answeredBy.endsWith('-2'))).toBe(true);
  });
});
