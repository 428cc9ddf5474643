/**
 * Measuring a knowledge base the way the edge serves it: the held-out test images of every site go through the
 * same inference pipeline (unseen recognition, allocation, the nearest site's model for unseen samples), in this
 * process, with nothing saved. The accuracy matrix R[round][site] gives the lifelong learning figures (the GEM
 * definitions, which Ianvs uses too):
 *   BWT = mean over the sites known before the last round of R[last][site] - R[learned][site]  (forgetting < 0)
 *   FWT = mean over the sites learned later of R[round before][site] - R[0][site]              (help from old tasks)
 * R[0] is an untrained model of the same shape.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { MlpEstimator, predictedClasses, type SampleSet } from './sedna-lib.js';
import { createLifelong, loadSamples, modelSpec, workerSettings } from './worker-config.js';

export interface SiteMeasure {
  samples: number;
  accuracy: number;
  /** Share of the site's samples the edge found unseen. */
  unseenShare: number;
}

export type SiteAccuracies = Record<string, SiteMeasure>;

export async function loadTestSet(testCsv: string): Promise<SampleSet> {
  return loadSamples(testCsv, 'test', {});
}

/** Per-site accuracy of the index at `indexUrl`, served as the edge serves it. */
export async function measureIndex(indexUrl: string, test: SampleSet, env: Record<string, string> = {}): Promise<SiteAccuracies> {
  const edgeDir = await mkdtemp(path.join(tmpdir(), 'sedna-ll-measure-'));
  const ll = createLifelong(
    { ...env, MODEL_URLS: indexUrl, edge_output_url: edgeDir, MODEL_POLL_PERIOD_SECONDS: '86400' },
    { unseenSamplePostprocess: () => undefined, log: () => undefined, kb: false },
  );
  try {
    const result = await ll.inference(test);
    const predicted = predictedClasses(result.predictions);
    return tally(test, (i) => predicted[i] === test.labels?.[i], (i) => !result.outcomes[i]?.seen);
  } finally {
    await ll.close();
    await rm(edgeDir, { recursive: true, force: true });
  }
}

/** Per-site accuracy of an untrained model (R[0]). */
export async function measureUntrained(test: SampleSet, env: Record<string, string> = {}): Promise<SiteAccuracies> {
  const settings = workerSettings(env);
  const model = new MlpEstimator({ spec: modelSpec(settings.hiddenUnits), seed: settings.seed });
  const predicted = predictedClasses(await model.predict(test.features));
  return tally(test, (i) => predicted[i] === test.labels?.[i], () => true);
}

function tally(test: SampleSet, correct: (i: number) => boolean, unseen: (i: number) => boolean): SiteAccuracies {
  const counts = new Map<string, { samples: number; correct: number; unseen: number }>();
  for (let i = 0; i < test.size; i++) {
    const site = test.attributes[i]?.['site'] ?? '';
    const c = counts.get(site) ?? { samples: 0, correct: 0, unseen: 0 };
    c.samples++;
    if (correct(i)) c.correct++;
    if (unseen(i)) c.unseen++;
    counts.set(site, c);
  }
  return Object.fromEntries([...counts].map(([site, c]) => [site, { samples: c.samples, accuracy: c.correct / c.samples, unseenShare: c.unseen / c.samples }]));
}

export interface TransferFigures {
  /** Mean accuracy over every site after the last round. */
  perTaskAccuracy: number;
  bwt: number;
  fwt: number;
}

/** BWT and FWT from the matrix rows (row 0 untrained) and the round each site was learned in. */
export function transferFigures(rows: readonly SiteAccuracies[], learnedIn: Readonly<Record<string, number>>): TransferFigures {
  const last = rows.length - 1;
  const sites = Object.keys(learnedIn);
  const acc = (row: number, site: string): number => {
    const value = rows[row]?.[site]?.accuracy;
    if (value === undefined) throw new Error(`no accuracy for site ${site} in round ${row}`);
    return value;
  };
  const mean = (values: number[]): number => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
  const old = sites.filter((s) => (learnedIn[s] as number) < last);
  const later = sites.filter((s) => (learnedIn[s] as number) > 1);
  return {
    perTaskAccuracy: mean(sites.map((s) => acc(last, s))),
    bwt: mean(old.map((s) => acc(last, s) - acc(learnedIn[s] as number, s))),
    fwt: mean(later.map((s) => acc((learnedIn[s] as number) - 1, s) - acc(0, s))),
  };
}
