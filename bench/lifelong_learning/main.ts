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
 *   5b. the site-aware baseline, site_aware_acc: one model that also gets the site as a one-hot input, its hidden
 *      layer sized so its parameters match the per-task models' together (site_aware_params vs per_task_params);
 *   5c. a third round that retrains a task the knowledge base already has: 2000 new labelled images of a second
 *      camera at --shared-site (the same site attribute, so the same task; darker, hazier and noisier than the
 *      first): bwt_shared_update, GEM's backward transfer on the original test images of every task learnt before
 *      that round (the per-task design keeps other tasks' models, so the shared task is where forgetting shows);
 *   6. (first seed) how the same recognizer does on other kinds of new camera conditions, against the round-1
 *      knowledge base: the share of each probe condition's test images found unseen (probe_unseen_recall), next to
 *      the false alarms on the known sites. Some conditions stay within what the known sites look like.
 * All of it twice: with the example's new site (a thermal camera: intensities inverted) and with a harder shift,
 * a camera rotated 270 degrees, dim and noisy, whose pixel statistics look like the known sites' (harder_shift_*).
 * Prints progress to stderr and one JSON object (means, medians and IQRs over the seeds, then per-seed figures) as
 * its last line.
 *
 * Options: --seeds 1,2,3,4,5  --shared-site loading-dock  --train-per-site 2000  --new-site-train 2000  --test-per-site 1000  --epochs 10  --hidden 64
 * --transfer-max-score 2 (UpdateStrategyDefault's: a large value makes the new site start from the nearest site's model)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { siteSampleSet } from '../../examples/lifelong_learning/fashion_mnist/site-samples.js';
import { INITIAL_SITES, NEW_SITE, renderAtSite, siteNamed, type SiteCondition } from '../../examples/lifelong_learning/fashion_mnist/sites.js';
import { createRng } from '@sedna/lib/datasources';
import { modelSpec } from '../../examples/lifelong_learning/fashion_mnist/worker-config.js';
import { SampleSet } from '@sedna/lib/algorithms';
import { MlpEstimator } from '@sedna/lib/estimators/mlp';
import { weightShapes, type ModelSpec } from '@sedna/lib/model-spec';
import { figure } from '../common/stats.js';
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
    'shared-site': { type: 'string', default: 'loading-dock' },
  },
});
const seeds = (values.seeds as string).split(',').map(Number);
const trainPerSite = Number(values['train-per-site']);
const newSiteTrain = Number(values['new-site-train']);
const testPerSite = Number(values['test-per-site']);
const epochs = Number(values.epochs);
const spec = modelSpec(Number(values.hidden));
const log = (line: string): void => void process.stderr.write(`[bench lifelong] ${line}\n`);
const sharedSite = values['shared-site'] as string;
if (!(INITIAL_SITES as readonly string[]).includes(sharedSite)) throw new Error(`--shared-site must be one of the initial sites (${INITIAL_SITES.join(', ')}), got ${sharedSite}`);

/** A new site: the example's, or one given by its condition. */
interface Scenario {
  readonly key: string;
  readonly newSite: string;
  readonly condition?: SiteCondition;
}
const SCENARIOS: readonly Scenario[] = [
  { key: 'example', newSite: NEW_SITE },
  // Rotated like no known site, but as dim and noisy as they are: no intensity cue tells it apart.
  { key: 'harder_shift', newSite: 'rotated-dim', condition: { rotation: 270, invert: false, contrast: [0.55, 0.8], brightness: [0, 0.04], noise: 0.04 } },
];

const paramCount = (s: ModelSpec): number => weightShapes(s).reduce((total, w) => total + w.shape.reduce((a, b) => a * b, 1), 0);

/** The features with the site as a one-hot block after the pixels. */
function withSiteOneHot(set: SampleSet, siteList: readonly string[]): { data: Float32Array; shape: number[] } {
  const width = 784 + siteList.length;
  const data = new Float32Array(set.size * width);
  const pixels = set.features.data as Float32Array;
  for (let i = 0; i < set.size; i++) {
    data.set(pixels.subarray(i * 784, (i + 1) * 784), i * width);
    const k = siteList.indexOf(set.attributes[i]?.['site'] ?? '');
    if (k < 0) throw new Error(`sample ${i}: site ${set.attributes[i]?.['site']} is not one of ${siteList.join(', ')}`);
    data[i * width + 784 + k] = 1;
  }
  return { data, shape: [set.size, width] };
}

interface SeedFigures {
  seed: number;
  per_task_acc: number;
  single_model_acc: number;
  site_aware_acc: number;
  bwt_shared_update: number;
  per_site_acc_round3: Record<string, number>;
  params: { per_task: number; single_model: number; site_aware: number; site_aware_hidden: number };
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

// The initial sites' images, the new site's, then the shared site's second batch (round 3).
const train = await loadFashionMnist({ split: 'train', count: INITIAL_SITES.length * trainPerSite + newSiteTrain + trainPerSite });
const test = await loadFashionMnist({ split: 'test', count: (INITIAL_SITES.length + 1) * testPerSite });

async function runSeed(seed: number, scenario: Scenario): Promise<SeedFigures> {
  const sites = [...INITIAL_SITES, scenario.newSite];
  const dir = await mkdtemp(path.join(tmpdir(), 'sedna-bench-ll-'));
  try {
    const initial = SampleSet.concat(INITIAL_SITES.map((site, k) => siteSampleSet(train, k * trainPerSite, trainPerSite, site, { seed: seed * 100 + k, dataType: 'train', idPrefix: 'train' })));
    const condition = scenario.condition ? { condition: scenario.condition } : {};
    const newSite = siteSampleSet(train, INITIAL_SITES.length * trainPerSite, newSiteTrain, scenario.newSite, { seed: seed * 100 + 9, dataType: 'train', idPrefix: 'train', ...condition });
    // A second camera at the shared site: its images go to that site's task (the same attribute), seen darker, hazier
    // and noisier than the first camera's; retraining the task on them can cost the first camera's test images.
    const sharedUpdate = siteSampleSet(train, INITIAL_SITES.length * trainPerSite + newSiteTrain, trainPerSite, sharedSite, { seed: seed * 100 + 11, dataType: 'train', idPrefix: 'train-r3', condition: { ...siteNamed(sharedSite).condition, contrast: [0.45, 0.6], brightness: [0.1, 0.2], noise: 0.08 } });
    const testSet = SampleSet.concat(sites.map((site, k) => siteSampleSet(test, k * testPerSite, testPerSite, site, { seed: seed * 100 + 50 + k, dataType: 'test', idPrefix: 'test', ...(site === scenario.newSite ? condition : {}) })), 'test');
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
    if (seed === seeds[0] && scenario.key === 'example') {
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

    // Round 3: new labelled images of a site the knowledge base already has; its task is retrained.
    const round3 = await lifelong({ outputUrl: path.join(dir, 'train', '3'), hasCompletedInitialTraining: true, cloudKbIndex: round2.published.indexUrl }).train(sharedUpdate);
    const edge3 = lifelong({ modelUrls: [round3.published.indexUrl] });
    const afterShared = await edge3.inference(testSet);
    await edge3.close();

    // The site-aware baseline: the site one-hot as input, as many parameters as the per-task models together.
    const perTaskParams = sites.length * paramCount(spec);
    const siteAwareHidden = Math.max(1, Math.round((perTaskParams - 10) / (784 + sites.length + 1 + 10)));
    const siteAwareSpec: ModelSpec = { inputShape: [784 + sites.length], layers: [{ type: 'dense', units: siteAwareHidden, activation: 'relu' }, { type: 'dense', units: FASHION_MNIST_CLASSES.length, activation: 'softmax' }] };
    const learnt = SampleSet.concat([initial, newSite]);
    const siteAware = new MlpEstimator({ spec: siteAwareSpec, seed });
    await siteAware.train(withSiteOneHot(learnt, sites), learnt.labels as Int32Array, { epochs, batchSize: 32, learningRate: 0.001, seed });
    const siteAwarePredicted = predictedClasses(await siteAware.predict(withSiteOneHot(testSet, sites)));

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
    const afterSharedPredicted = predictedClasses(afterShared.predictions);
    const r3 = perSite((i) => afterSharedPredicted[i] === labels[i]);
    const r0 = perSite((i) => untrainedPredicted[i] === labels[i]);
    const singleBySite = perSite((i) => singlePredicted[i] === labels[i]);
    const overall = (predicted: Int32Array): number => predicted.filter((p, i) => p === labels[i]).length / testSet.size;

    const flagged = before.outcomes.map((o) => !o.seen);
    const isNew = testSet.attributes.map((a) => a['site'] === scenario.newSite);
    const truePositives = flagged.filter((f, i) => f && isNew[i]).length;
    const falsePositives = flagged.filter((f, i) => f && !isNew[i]).length;
    const newCount = isNew.filter(Boolean).length;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const figures: SeedFigures = {
      seed,
      per_task_acc: overall(afterPredicted),
      single_model_acc: overall(singlePredicted),
      site_aware_acc: overall(siteAwarePredicted),
      // GEM's BWT after round 3 over every task learnt before it (the retrained one included).
      bwt_shared_update: mean(sites.map((s) => (r3[s] as number) - (r2[s] as number))),
      per_site_acc_round3: r3,
      params: { per_task: perTaskParams, single_model: paramCount(spec), site_aware: paramCount(siteAwareSpec), site_aware_hidden: siteAwareHidden },
      unseen_precision: truePositives / Math.max(1, truePositives + falsePositives),
      unseen_recall: truePositives / newCount,
      known_site_false_alarm_rate: falsePositives / (testSet.size - newCount),
      bwt: mean(INITIAL_SITES.map((s) => (r2[s] as number) - (r1[s] as number))),
      fwt: (r1[scenario.newSite] as number) - (r0[scenario.newSite] as number),
      per_site_acc_round1: r1,
      per_site_acc_round2: r2,
      single_model_per_site_acc: singleBySite,
      seconds: { initial_training: initialSeconds, update: updateSeconds, single_model_training: singleSeconds, edge_inference_per_1000: (inferSeconds * 1000) / testSet.size },
      ...(probes ? { probe_unseen_recall: probes } : {}),
    };
    log(
      `${scenario.key}, seed ${seed}: per-task ${figures.per_task_acc.toFixed(4)} vs single ${figures.single_model_acc.toFixed(4)}, site-aware ${figures.site_aware_acc.toFixed(4)}; bwt after retraining ${sharedSite} ${figures.bwt_shared_update.toFixed(4)}; unseen precision ${figures.unseen_precision.toFixed(3)} recall ${figures.unseen_recall.toFixed(3)}; bwt ${figures.bwt.toFixed(4)} fwt ${figures.fwt.toFixed(4)}`,
    );
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const started = performance.now();
type Key = 'per_task_acc' | 'single_model_acc' | 'site_aware_acc' | 'unseen_precision' | 'unseen_recall' | 'bwt' | 'bwt_shared_update' | 'fwt' | 'known_site_false_alarm_rate';
const round = (x: number): number => Math.round(x * 10000) / 10000;

/** Means over the seeds (as before), and medians with IQRs of the figures the targets read. */
function summary(perSeed: readonly SeedFigures[]): Record<string, unknown> {
  const mean = (key: Key): number => perSeed.reduce((a, f) => a + f[key], 0) / perSeed.length;
  const points = (a: Key, b: Key): number[] => perSeed.map((f) => (f[a] - f[b]) * 100);
  return {
    per_task_acc: round(mean('per_task_acc')),
    single_model_acc: round(mean('single_model_acc')),
    site_aware_acc: round(mean('site_aware_acc')),
    per_task_gain_points: round((mean('per_task_acc') - mean('single_model_acc')) * 100),
    ...figure('per_task_gain_points', points('per_task_acc', 'single_model_acc'), 2),
    per_task_gain_over_site_aware_points: round((mean('per_task_acc') - mean('site_aware_acc')) * 100),
    ...figure('per_task_gain_over_site_aware_points', points('per_task_acc', 'site_aware_acc'), 2),
    unseen_precision: round(mean('unseen_precision')),
    unseen_recall: round(mean('unseen_recall')),
    ...figure('unseen_recall', perSeed.map((f) => f.unseen_recall), 4),
    known_site_false_alarm_rate: round(mean('known_site_false_alarm_rate')),
    bwt: round(mean('bwt')),
    bwt_shared_update: round(mean('bwt_shared_update')),
    ...figure('bwt_shared_update', perSeed.map((f) => f.bwt_shared_update), 4),
    fwt: round(mean('fwt')),
    params: perSeed[0]?.params,
  };
}

const results: Record<string, SeedFigures[]> = {};
for (const scenario of SCENARIOS) {
  results[scenario.key] = [];
  for (const seed of seeds) results[scenario.key]!.push(await runSeed(seed, scenario));
}
const example = results['example'] ?? [];
const harder = results['harder_shift'] ?? [];
const harderSummary = summary(harder);
const result = {
  ...summary(example),
  probe_unseen_recall: example[0]?.probe_unseen_recall,
  // The harder shift's headline figures at the top level (the table reads them), all of them under harder_shift.
  harder_shift_per_task_acc: harderSummary['per_task_acc'],
  harder_shift_unseen_recall: harderSummary['unseen_recall'],
  harder_shift_unseen_precision: harderSummary['unseen_precision'],
  harder_shift_per_task_gain_points: harderSummary['per_task_gain_points'],
  harder_shift_per_task_gain_over_site_aware_points: harderSummary['per_task_gain_over_site_aware_points'],
  harder_shift: { site: SCENARIOS[1]?.condition, ...harderSummary },
  targets: { per_task_gain_points: '>= 3', per_task_gain_over_site_aware_points: '>= 1', unseen_precision: '>= 0.9', unseen_recall: '>= 0.9', bwt: '>= -0.01', bwt_shared_update: '>= -0.01' },
  setup: { initial_sites: INITIAL_SITES, new_site: NEW_SITE, shared_site: sharedSite, train_per_site: trainPerSite, new_site_train: newSiteTrain, test_per_site: testPerSite, model: `784-${values.hidden}-10 mlp`, epochs, seeds, transfer_max_score: Number(values['transfer-max-score']) },
  per_seed: example,
  per_seed_harder_shift: harder,
  seconds: round((performance.now() - started) / 1000),
};
console.log(JSON.stringify(result));
process.exit(0);
