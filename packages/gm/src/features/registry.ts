/**
 * Every feature of the GM, as the original's controllers/registry.go: adding a kind is its folder under
 * controllers/ and one line here. A Sedna kind no feature serves gets a NotServed condition (unserved.ts).
 */
import { KINDS, SEDNA_GROUP } from '@sedna/api';
import { datasetFeature } from '../controllers/dataset/feature.js';
import { federatedLearningFeature } from '../controllers/federatedlearning/feature.js';
import { incrementalLearningFeature } from '../controllers/incrementallearning/feature.js';
import { jointInferenceFeature } from '../controllers/jointinference/feature.js';
import { lifelongLearningFeature } from '../controllers/lifelonglearning/feature.js';
import { modelFeature } from '../controllers/model/feature.js';
import { multiEdgeFeatures } from '../controllers/multiedge/index.js';
import { podFeature } from '../controllers/pod/feature.js';
import { schedulerFeature } from '../controllers/scheduler/feature.js';
import type { Feature, FeatureContext } from './feature.js';
import { isSednaKindName, type SednaKindName } from '../runtime/kinds.js';
import { UnservedController } from './unserved.js';

export const FEATURES: readonly Feature[] = [
  datasetFeature,
  modelFeature,
  podFeature,
  schedulerFeature,
  jointInferenceFeature,
  federatedLearningFeature,
  incrementalLearningFeature,
  lifelongLearningFeature,
  ...multiEdgeFeatures,
];

export interface RegisteredFeatures {
  /** Every kind a feature serves. */
  served: ReadonlySet<string>;
  /** The Sedna kinds no feature serves (each has an UnservedController). */
  unserved: readonly string[];
  /** Kinds whose reports the hub checks against the node's workers (channel/ownership.ts). */
  workerReportKinds: readonly SednaKindName[];
}

/** Registers `features` (all of them by default) and a NotServed controller for every Sedna kind left over. */
export function registerFeatures(ctx: FeatureContext, features: readonly Feature[] = FEATURES): RegisteredFeatures {
  const served = new Set<string>();
  for (const feature of features) {
    for (const kind of feature.kinds) {
      if (served.has(kind)) throw new Error(`two features serve ${kind}: ${features.filter((f) => f.kinds.includes(kind)).map((f) => f.name).join(', ')}`);
      served.add(kind);
    }
    feature.register(ctx);
  }
  const unserved = KINDS.filter((def) => def.group === SEDNA_GROUP && !served.has(def.kind)).map((def) => {
    if (!isSednaKindName(def.kind)) throw new Error(`the API serves ${def.kind} but the GM has no type of it: add it to SednaKindBodies in packages/gm/src/runtime/kinds.ts`);
    return def.kind;
  });
  for (const kind of unserved) ctx.manager.add(UnservedController.declaration(kind), (cache) => new UnservedController(kind, cache, ctx.client));
  return { served, unserved, workerReportKinds: features.flatMap((f) => f.workerReportKinds ?? []) };
}
