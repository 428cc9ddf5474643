/**
 * `npm run bench -- lifelong_learning`: lifelong learning on the Fashion-MNIST sites of the example
 * (examples/lifelong_learning/fashion_mnist/sites.ts), through the lib's LifelongLearning as the workers use it.
 *
 * Per seed:
 *   1. initial training on the three initial sites (2000 labelled images each);
 *   2. the edge pipeline on the multi-site test set (1000 test images per site, the new site's included): which
 *      samples it finds unseen gives unseen_precision and unseen_recall for the new site;
 *   3. an update round with the new site's labelled images (2000, as many as each initial site has);
 *   4. the edge pipeline again: per_task_acc (accuracy over the multi-site test set; every site has the same
 *      number of images, so it is also the mean of the per-site accuracies), bwt and fwt (GEM's definitions, see
 *      the example's measure.ts);
 *   5. the baseline, single_model_acc: one model of the same shape, trained with the same settings on every image
 *      the knowledge base learned from, on the same test set.
 *   6. (first seed) how the same recognizer does on other kinds of new camera conditions, against the round-1
 *      knowledge base: the share of each probe condition's test images found unseen (probe_unseen_recall), next to
 *      the false alarms on the known sites. Some conditions stay within what the known sites look like.
 * Prints progress to stderr and one JSON object (means over the seeds, then per-seed figures) as its last line.
 *
 * Options: --seeds 1,2,3,4,5  --train-per-site 2000  --new-site-train 2000  --test-per-site 1000  --epochs 10  --hidden 64
 * --transfer-max-score 2 (UpdateStrategyDefault's: a large value makes the new site start from the nearest site's model)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { siteSampleSet } from '../../examples/lifelong_learning/fashion_mnist/site-samples.js';
import { INITIAL_SITES, NEW_SITE, renderAtSite, type SiteCondition } from '../../examples/lifelong_learning/fashion_mnist/sites.js';
import { createRng } from '@sedna/lib/datasources';
import { modelSpec } from '../../examples/lifelong_learning/fashion_mnist/worker-config.js';
import { SampleSet } from '@sedna/lib/algorithms';
import { MlpEstimator } from '@sedna/lib/estimators/mlp';
import type { ModelSpec } from '@sedna/lib/model-spec';
import { predictedClasses } from '@sedna/lib/lifelong-learning';
import { LifelongLearning, type LifelongLearningOptions } from '@sedna/lib/lifelong-learning';
import { LifelongReporter } from '@sedna/lib/lifelong-learning';
import type { LifelongSettings } from '@sedna/lib/lifelong-learning';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from '@sedna/lib/datasources';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    'train-per-site': { type: 'string', default: '2000' },
    'new-site-train': { type: 'string', default: '2000' },
    'test-per-site': { type: 'string', default: '1000' },
    epochs: { type: 'string', default: '10' },
    hidden: { type: 'string', default: '64' },
    'transfer-max-score': { type: 'string', default: '2' },
  },
});
const seeds = (values.seeds as string).split(',').map(Number);
const trainPerSite = Number(values['train-per-site']);
const newSiteTrain = Number(values['new-site-train']);
const testPerSite = Number(values['test-per-site']);
const epochs = Number(values.epochs);
const spec = modelSpec(Number(values.hidden));
const log = (line: string): void => void process.stderr.write(`[bench lifelong] ${line}\n`);
const sites = [...INITIAL_SITES, NEW_SITE];

interface SeedFigures {
  seed: number;
  per_task_acc: number;
  single_model_acc: number;
  unseen_precision: number;
  unseen_recall: number;
  known_site_false_alarm_rate: number;
  bwt: number;
  fwt: number;
  per_site_acc_round1: Record<string, number>;
  per_site_acc_round2: Record<string, number>;
  single_model_per_site_acc: Record<string, number>;
  seconds: { initial_training: number; update: number; single_model_training: number; edge_inference_per_1000: number };
  probe_unseen_recall?: Record<string, number>;
}

/** Other new-camera conditions the recognizer is probed with (not part of the example's sites). */
const PROBES: Record<string, SiteCondition> = {
  'control: the entrance camera itself': { rotation: 0, invert: false, contrast: [0.85, 1], brightness: [0, 0.05], noise: 0.02 },
  'fog (low contrast, bright background)': { rotation: 0, invert: false, contrast: [0.4, 0.5], brightness: [0.4, 0.5], noise: 0.03 },
  'heavy sensor noise (sigma 0.25)': { rotation: 0, invert: false, contrast: [0.85, 1], brightness: [0, 0.05], noise: 0.25 },
  'upright, very dim': { rotation: 0, invert: false, contrast: [0.35, 0.5], brightness: [0, 0.03], noise: 0.02 },
  'rotated 270 degrees': { rotation: 270, invert: false, contrast: [0.8, 1], brightness: [0, 0.05], noise: 0.03 },
};

function probeSet(source: { pixels: Uint8Array; y: Int32Array }, first: number, count: number, condition: SiteCondition, seed: number): SampleSet {
  const rng = createRng(seed);
  const data = new Float32Array(count * 784);
  for (let k = 0; k < count; k++) {
    const image = renderAtSite(source.pixels.subarray((first + k) * 784, (first + k + 1) * 784), condition, rng);
    for (let t = 0; t < 784; t++) data[k * 784 + t] = (image[t] as number) / 255;
  }
  return new SampleSet({ dataType: 'test', features: { data, shape: [count, 784] }, attributes: Array.from({ length: count }, () => ({ site: 'probe' })), ids: Array.from({ length: count }, (_, k) => `probe-${k}`) });
}

const train = await loadFashionMnist({ split: 'train', count: INITIAL_SITES.length * trainPerSite + newSiteTrain });
const test = await loadFashionMnist({ split: 'test', count: sites.length * testPerSite });

async function runSeed(seed: number): Promise<SeedFigures> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sedna-bench-ll-'));
  try {
    const initial = SampleSet.concat(INITIAL_SITES.map((site, k) => siteSampleSet(train, k * trainPerSite, trainPerSite, site, { seed: seed * 100 + k, dataType: 'train', idPrefix: 'train' })));
    const newSite = siteSampleSet(train, INITIAL_SITES.length * trainPerSite, newSiteTrain, NEW_SITE, { seed: seed * 100 + 9, dataType: 'train', idPrefix: 'train' });
    const testSet = SampleSet.concat(sites.map((site, k) => siteSampleSet(test, k * testPerSite, testPerSite, site, { seed: seed * 100 + 50 + k, dataType: 'test', idPrefix: 'test' })), 'test');
    const labels = testSet.labels as Int32Array;
    const siteOf = (i: number): string => testSet.attributes[i]?.['site'] ?? '';

    const lifelong = (settings: Partial<LifelongSettings>): LifelongLearning => {
      const options: LifelongLearningOptions = {
        seenEstimator: () => new MlpEstimator({ spec, seed }),
        taskDefinition: { method: 'TaskDefinitionByDataAttr', param: { attribute: 'site' } },
        taskAllocation: { method: 'TaskAllocationByDataAttr', param: { attribute: 'site' } },
        taskUpdateDecision: { method: 'UpdateStrategyDefault', param: { transfer_max_score: values['transfer-max-score'] as string } },
        unseenSampleRecognition: { method: 'SampleRecognitionByDistance', param: { quantile: 0.99 } },
        trainOptions: { epochs, batchSize: 32, learningRate: 0.001, seed },
        classes: FASHION_MNIST_CLASSES,
        env: {},
        settings: { edgeOutputUrl: path.join(dir, 'edge', String(Math.random()).slice(2)), pollPeriodSeconds: 86400, ...settings },
        kb: false,
        reporter: new LifelongReporter(undefined, () => undefined),
        unseenSamplePostprocess: () => undefined,
        log: () => undefined,
      };
      return new LifelongLearning(options);
    };

    let started = performance.now();
    const round1 = await lifelong({ outputUrl: path.join(dir, 'train', '1') }).train(initial);
    const initialSeconds = (performance.now() - started) / 1000;
    const edge1 = lifelong({ modelUrls: [round1.published.indexUrl] });
    started = performance.now();
    const before = await edge1.inference(testSet);
    const inferSeconds = (performance.now() - started) / 1000;
    let probes: Record<string, number> | undefined;
    if (seed === seeds[0]) {
      probes = {};
      for (const [name, condition] of Object.entries(PROBES)) {
        // The new site's test images, seen under another condition.
        const result = await edge1.inference(probeSet(test, INITIAL_SITES.length * testPerSite, testPerSite, condition, seed * 100 + 77));
        // Only what the recognizer decided: the probes' site attribute matches no task on purpose.
        probes[name] = result.outcomes.filter((o) => o.reason === 'unseen-sample').length / testPerSite;
      }
    }
    await edge1.close();

    started = performance.now();
    const round2 = await lifelong({ outputUrl: path.join(dir, 'train', '2'), hasCompletedInitialTraining: true, cloudKbIndex: round1.published.indexUrl }).train(newSite);
    const updateSeconds = (performance.now() - started) / 1000;
    const edge2 = lifelong({ modelUrls: [round2.published.indexUrl] });
    const after = await edge2.inference(testSet);
    await edge2.close();

    started = performance.now();
    const single = new MlpEstimator({ spec, seed });
    await single.train(SampleSet.concat([initial, newSite]).features, SampleSet.concat([initial, newSite]).labels as Int32Array, { epochs, batchSize: 32, learningRate: 0.001, seed });
    const singleSeconds = (performance.now() - started) / 1000;
    const singlePredicted = predictedClasses(await single.predict(testSet.features));
    const untrainedPredicted = predictedClasses(await new MlpEstimator({ spec: spec as ModelSpec, seed }).predict(testSet.features));

    const perSite = (correct: (i: number) => boolean): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const site of sites) {
        const indices = Array.from({ length: testSet.size }, (_, i) => i).filter((i) => siteOf(i) === site);
        out[site] = indices.filter(correct).length / indices.length;
      }
      return out;
    };
    const beforePredicted = predictedClasses(before.predictions);
    const afterPredicted = predictedClasses(after.predictions);
    const r1 = perSite((i) => beforePredicted[i] === labels[i]);
    const r2 = perSite((i) => afterPredicted[i] === labels[i]);
    const r0 = perSite((i) => untrainedPredicted[i] === labels[i]);
    const singleBySite = perSite((i) => singlePredicted[i] === labels[i]);
    const overall = (predicted: Int32Array): number => predicted.filter((p, i) => p === labels[i]).length / testSet.size;

    const flagged = before.outcomes.map((o) => !o.seen);
    const isNew = testSet.attributes.map((a) => a['site'] === NEW_SITE);
    const truePositives = flagged.filter((f, i) => f && isNew[i]).length;
    const falsePositives = flagged.filter((f, i) => f && !isNew[i]).length;
    const newCount = isNew.filter(Boolean).length;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const figures: SeedFigures = {
      seed,
      per_task_acc: overall(afterPredicted),
      single_model_acc: overall(singlePredicted),
      unseen_precision: truePositives / Math.max(1, truePositives + falsePositives),
      unseen_recall: truePositives / newCount,
      known_site_false_alarm_rate: falsePositives / (testSet.size - newCount),
      bwt: mean(INITIAL_SITES.map((s) => (r2[s] as number) - (r1[s] as number))),
      fwt: (r1[NEW_SITE] as number) - (r0[NEW_SITE] as number),
      per_site_acc_round1: r1,
      per_site_acc_round2: r2,
      single_model_per_site_acc: singleBySite,
      seconds: { initial_training: initialSeconds, update: updateSeconds, single_model_training: singleSeconds, edge_inference_per_1000: (inferSeconds * 1000) / testSet.size },
      ...(probes ? { probe_unseen_recall: probes } : {}),
    };
    log(
      `seed ${seed}: per-task ${figures.per_task_acc.toFixed(4)} vs single ${figures.single_model_acc.toFixed(4)}; unseen precision ${figures.unseen_precision.toFixed(3)} recall ${figures.unseen_recall.toFixed(3)}; bwt ${figures.bwt.toFixed(4)} fwt ${figures.fwt.toFixed(4)}`,
    );
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const started = performance.now();
const perSeed: SeedFigures[] = [];
for (const seed of seeds) perSeed.push(await runSeed(seed));
const mean = (key: 'per_task_acc' | 'single_model_acc' | 'unseen_precision' | 'unseen_recall' | 'bwt' | 'fwt' | 'known_site_false_alarm_rate'): number => perSeed.reduce((a, f) => a + f[key], 0) / perSeed.length;
const round = (x: number): number => Math.round(x * 10000) / 10000;
const result = {
  per_task_acc: round(mean('per_task_acc')),
  single_model_acc: round(mean('single_model_acc')),
  per_task_gain_points: round((mean('per_task_acc') - mean('single_model_acc')) * 100),
  unseen_precision: round(mean('unseen_precision')),
  unseen_recall: round(mean('unseen_recall')),
  known_site_false_alarm_rate: round(mean('known_site_false_alarm_rate')),
  bwt: round(mean('bwt')),
  fwt: round(mean('fwt')),
  probe_unseen_recall: perSeed[0]?.probe_unseen_recall,
  targets: { per_task_gain_points: '>= 3', unseen_precision: '>= 0.9', unseen_recall: '>= 0.9', bwt: '>= -0.01' },
  setup: { initial_sites: INITIAL_SITES, new_site: NEW_SITE, train_per_site: trainPerSite, new_site_train: newSiteTrain, test_per_site: testPerSite, model: `784-${values.hidden}-10 mlp`, epochs, seeds, transfer_max_score: Number(values['transfer-max-score']) },
  per_seed: perSeed,
  seconds: round((performance.now() - started) / 1000),
};
console.log(JSON.stringify(result));
process.exit(0);
