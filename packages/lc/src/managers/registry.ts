/**
 * Every feature of the LC, as the original's LC managers: adding a kind is its folder under managers/ and one line
 * here. The features without a manager only route their workers' reports (joint inference, federated learning and
 * the multi-edge kinds run no node-side logic beyond reporting, as in the original).
 */
import { datasetFeature } from './dataset/feature.js';
import type { LcFeature, LcFeatureContext, LcManager } from './feature.js';
import { incrementalLearningFeature } from './incrementallearning/feature.js';
import { lifelongLearningFeature } from './lifelonglearning/feature.js';
import { podFeature } from './pod/feature.js';

/** Kinds whose workers only report: their reports go up as status messages. */
const reportOnly = (name: string, ...kinds: string[]): LcFeature => ({ name, kinds: [], reportKinds: kinds });

export const LC_FEATURES: readonly LcFeature[] = [
  // First: the stage-job managers read the datasets it holds.
  datasetFeature,
  podFeature,
  incrementalLearningFeature,
  lifelongLearningFeature,
  reportOnly('jointinference', 'jointinferenceservice'),
  reportOnly('federatedlearning', 'federatedlearningjob'),
  reportOnly('multiedge', 'featureextractionservice', 'videoanalyticsjob', 'reidjob', 'objectsearchservice', 'objecttrackingservice'),
];

export interface LcManagers {
  /** The manager of each downstream kind. */
  byKind: ReadonlyMap<string, LcManager>;
  all: readonly LcManager[];
  /** Kinds whose worker reports go up. */
  reportKinds: readonly string[];
}

/** Makes the managers of `features`; two features may not hold the same kind. */
export function makeManagers(ctx: LcFeatureContext, features: readonly LcFeature[] = LC_FEATURES): LcManagers {
  const byKind = new Map<string, LcManager>();
  const all: LcManager[] = [];
  for (const feature of features) {
    const manager = feature.manager?.(ctx);
    if (!manager) continue;
    all.push(manager);
    for (const kind of feature.kinds) {
      if (byKind.has(kind)) throw new Error(`two LC features hold ${kind}`);
      byKind.set(kind, manager);
    }
  }
  return { byKind, all, reportKinds: features.flatMap((f) => f.reportKinds) };
}
