/**
 * Lifelong learning end to end on a Fashion-MNIST slice, with a real knowledge base server and a stand-in local
 * controller: initial training on two sites (upright and rotated cameras), evaluation, edge inference that finds a
 * third site (an inverted, thermal-like camera) unseen and saves its samples, an update round that learns it from
 * labelled samples, and the edge picking the new index up by hot reload.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SampleSet } from '../src/algorithms/lifelong/sample-set.js';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import { KBClient } from '../src/core/lifelong_learning/kb-client.js';
import { KnowledgeBaseServer } from '../src/core/lifelong_learning/kb-server/kb-server.js';
import { LifelongLearning } from '../src/core/lifelong_learning/lifelong-learning.js';
import { predictedClasses } from '../src/core/lifelong_learning/evaluation-metrics.js';
import { UNSEEN_INDEX_NAME } from '../src/core/lifelong_learning/unseen-samples.js';
import { loadFashionMnist } from '../src/datasources/fashion-mnist.js';

const SIDE = 28;
type Site = 'upright' | 'rotated' | 'thermal';
const transforms: Record<Site, (p: Float32Array) => Float32Array> = {
  upright: (p) => p,
  rotated: (p) => p.map((_, k) => p[(SIDE - 1 - (k % SIDE)) * SIDE + Math.floor(k / SIDE)] as number),
  thermal: (p) => p.map((v) => 1 - v),
};

/** n images from `offset` of a split, seen by a site's camera, with the site as an attribute. */
async function siteSamples(split: 'train' | 'test', offset: number, n: number, site: Site): Promise<SampleSet> {
  const slice = await loadFashionMnist({ split, offset, count: n });
  const data = new Float32Array(n * SIDE * SIDE);
  for (let i = 0; i < n; i++) data.set(transforms[site](slice.x.data.subarray(i * 784, (i + 1) * 784)), i * 784);
  return new SampleSet({
    dataType: split === 'train' ? 'train' : 'eval',
    features: { data, shape: [n, 784] },
    labels: slice.y,
    attributes: Array.from({ length: n }, () => ({ site })),
    ids: Array.from({ length: n }, (_, i) => `${site}/${split}-${offset + i}`),
  });
}

/** A stand-in LC that keeps every report. */
class ReportSink {
  readonly reports: any[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.reports.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"Status":200,"Message":"OK"}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const spec = { inputShape: [784], layers: [{ type: 'dense' as const, units: 32, activation: 'relu' as const }, { type: 'dense' as const, units: 10, activation: 'softmax' as const }] };

function accuracy(predictions: { data: Float32Array; shape: readonly number[] }, labels: Int32Array, indices: readonly number[]): number {
  const predicted = predictedClasses(predictions);
  return indices.filter((i) => predicted[i] === labels[i]).length / indices.length;
}

describe('lifelong learning on Fashion-MNIST sites', () => {
  let dir: string;
  let kbServer: KnowledgeBaseServer;
  let lc: ReportSink;
  let lcUrl: string;
  const workers: LifelongLearning[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sedna-ll-e2e-'));
    kbServer = await KnowledgeBaseServer.start({ saveDir: path.join(dir, 'kb'), host: '127.0.0.1', port: 0 });
    lc = new ReportSink();
    lcUrl = await lc.start();
  });

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await kbServer?.close();
    await lc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A worker as the GM would start it: the original env plus the job's. */
  function worker(name: string, env: Record<string, string>): LifelongLearning {
    const ll = new LifelongLearning({
      seenEstimator: () => new MlpEstimator({ spec, seed: 3 }),
      taskDefinition: { method: 'TaskDefinitionByDataAttr', param: { attribute: 'site' } },
      trainOptions: { epochs: 6, batchSize: 32, seed: 1 },
      env: { JOB_NAME: 'fm-lifelong', NAMESPACE: 'default', WORKER_NAME: name, LC_SERVER: lcUrl, KB_SERVER: kbServer.url, MODEL_POLL_PERIOD_SECONDS: '3600', ...env },
      log: () => {},
    });
    workers.push(ll);
    return ll;
  }

  it('learns two sites, finds the third unseen, learns it in an update, and the edge hot-reloads it', async () => {
    const [upright, rotated, thermal] = await Promise.all([siteSamples('train', 0, 500, 'upright'), siteSamples('train', 500, 500, 'rotated'), siteSamples('train', 1000, 500, 'thermal')]);
    const test = SampleSet.concat(await Promise.all([siteSamples('test', 0, 150, 'upright'), siteSamples('test', 150, 150, 'rotated'), siteSamples('test', 300, 150, 'thermal')]), 'test');
    const bySite = (site: Site): number[] => test.attributes.flatMap((a, i) => (a['site'] === site ? [i] : []));
    const out = (...parts: string[]): string => path.join(dir, ...parts);

    // Round 1: initial training on two sites.
    const trained = await worker('train-worker-1', { OUTPUT_URL: out('output', 'train', '1'), HAS_COMPLETED_INITIAL_TRAINING: 'false' }).train(SampleSet.concat([upright, rotated]));
    expect(trained.index.seen_task.task_groups.map((g) => g.entry)).toEqual(['rotated', 'upright']);
    expect(trained.index.seen_task.task_groups[0]?.model?.url).toMatch(new RegExp(`^${kbServer.url}/knowledgebase/files/seen_task/rotated/`));
    const trainReport = lc.reports.at(-1);
    expect(trainReport).toMatchObject({ name: 'train-worker-1', ownerName: 'fm-lifelong', ownerKind: 'lifelonglearningjob', kind: 'train', status: 'completed' });
    expect(trainReport.results[0]).toMatchObject({ format: 'json', url: trained.published.indexUrl, number_of_model: 2, number_of_labeled_unseen_sample: 0, number_of_unseen_sample: 0 });
    expect(Object.keys(trainReport.results[0].current_metric).sort()).toEqual(['rotated', 'upright']);
    expect(trainReport.results[0].current_metric.upright.samples).toBe(500);

    // Evaluation on the first two sites' test samples; the thermal ones match no task.
    const evaluated = await worker('eval-worker-1', { OUTPUT_URL: out('output', 'eval', '1'), MODEL_URLS: trained.published.indexUrl, metrics: 'precision_score', metric_param: "{'average': 'micro'}", model_threshold: '0.5' }).evaluate(
      SampleSet.concat([test.subset(bySite('upright')), test.subset(bySite('rotated')), test.subset(bySite('thermal'))], 'eval'),
    );
    expect(evaluated.unseenSamples).toBe(150);
    expect(evaluated.groups['upright']?.deploy).toBe(true);
    expect(evaluated.groups['upright']?.scores['precision_score']).toBeGreaterThan(0.6);
    expect(lc.reports.at(-1)).toMatchObject({ kind: 'eval', status: 'completed', results: [{ url: evaluated.indexUrl }] });

    // The LC deploys: the eval worker's index is copied to <outputDir>/deploy/index.json.
    const deployed = out('output', 'deploy', 'index.json');
    await mkdir(path.dirname(deployed), { recursive: true });
    await copyFile(evaluated.indexUrl, deployed);
    const edge = worker('inferworker-1', { MODEL_URLS: deployed, UT_SAVED_URL: out('unseen'), edge_output_url: out('edge-kb') });
    const before = await edge.inference(test);
    const labels = test.labels as Int32Array;
    const flagged = (indices: number[]): number => indices.filter((i) => !before.outcomes[i]?.seen).length / indices.length;
    expect(flagged(bySite('thermal'))).toBeGreaterThan(0.9);
    expect(flagged([...bySite('upright'), ...bySite('rotated')])).toBeLessThan(0.1);
    expect(before.outcomes[bySite('thermal')[0] as number]).toMatchObject({ seen: false, reason: 'unseen-sample' });
    expect(existsSync(out('edge-kb', 'index.json'))).toBe(true);
    const unseenCsv = await readFile(out('unseen', UNSEEN_INDEX_NAME), 'utf8');
    expect(unseenCsv.split('\n')[0]).toBe('sample,site,predicted,score,reason,nearest_task,detected_at,source');
    expect(unseenCsv).toContain('thermal/test-300,thermal,');
    const thermalBefore = accuracy(before.predictions, labels, bySite('thermal'));
    const uprightBefore = accuracy(before.predictions, labels, bySite('upright'));

    // Round 2: the thermal samples, labelled, train an update of the deployed index.
    const updated = await worker('train-worker-2', { OUTPUT_URL: out('output', 'train', '2'), HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: deployed }).train(thermal);
    expect(updated.updates.map((u) => [u.kind, u.kind === 'retrain' ? u.task : u.task.entry])).toEqual([['new-task', 'thermal']]);
    expect(updated.index.seen_task.task_groups.map((g) => g.entry)).toEqual(['rotated', 'upright', 'thermal']);
    expect(updated.index.statistics.labeled_unseen_samples).toBe(500);
    // Groups the update did not touch keep their model.
    expect(updated.index.seen_task.task_groups[1]?.model?.url).toBe(trained.index.seen_task.task_groups[1]?.model?.url);
    expect(lc.reports.at(-1).results[0]).toMatchObject({ number_of_model: 3, number_of_labeled_unseen_sample: 500 });

    const evaluated2 = await worker('eval-worker-2', { OUTPUT_URL: out('output', 'eval', '2'), MODEL_URLS: updated.published.indexUrl }).evaluate(SampleSet.concat([test.subset(bySite('thermal')), test.subset(bySite('upright'))], 'eval'));
    expect(evaluated2.unseenSamples).toBe(0);
    await copyFile(evaluated2.indexUrl, deployed);

    // Hot reload: the edge sees the new create_time and serves the new index from the next request on.
    await edge.checkForNewIndex();
    const after = await edge.inference(test);
    expect(after.version).toBe(evaluated2.index.create_time);
    expect(after.version).not.toBe(before.version);
    expect(bySite('thermal').filter((i) => after.outcomes[i]?.seen).length / 150).toBeGreaterThan(0.9);
    expect(accuracy(after.predictions, labels, bySite('thermal'))).toBeGreaterThan(thermalBefore + 0.2);
    // Backward transfer: the upright site's answers do not change.
    expect(accuracy(after.predictions, labels, bySite('upright'))).toBeCloseTo(uprightBefore, 5);

    // The knowledge base holds three task groups with their models and samples.
    const contents = await new KBClient(kbServer.url).query();
    expect(contents.task_groups.map((g) => [g.name, g.task_num, g.deploy])).toEqual([
      ['rotated', 1, true],
      ['thermal', 1, true],
      ['upright', 1, true],
    ]);
    expect(contents.task_groups.find((g) => g.name === 'thermal')?.tasks[0]?.samples[0]?.sample_num).toBe(500);
  });
});
