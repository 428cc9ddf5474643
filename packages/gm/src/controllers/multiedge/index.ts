/** The five multi-edge features, built from their declarations over shared worker machinery. */
import type { Feature } from '../../features/feature.js';
import { featureExtraction } from '../featureextraction/controller.js';
import { objectSearch } from '../objectsearch/controller.js';
import { objectTracking } from '../objecttracking/controller.js';
import { reid } from '../reid/controller.js';
import { videoAnalytics } from '../videoanalytics/controller.js';
import { MultiEdgeJobController, type JobKindDeclaration } from './job-controller.js';
import { MultiEdgeServiceController, type ServiceKindDeclaration } from './service-controller.js';

/** A long-running multi-edge kind (a service kept at its replica counts) as a feature. */
export function multiEdgeServiceFeature(decl: ServiceKindDeclaration): Feature {
  return {
    name: decl.name,
    kinds: [decl.kind],
    register: ({ manager, client, addressing, router, embedded, config }) => {
      const deployments = !embedded;
      manager.add(MultiEdgeServiceController.declaration(decl, deployments), (cache) => new MultiEdgeServiceController(decl, { cache, client, addressing, router, deployments, ...(config.broker.url ? { brokerUrl: config.broker.url } : {}) }));
    },
  };
}

/** A run-to-completion multi-edge kind (a job with one worker at a time) as a feature. */
export function multiEdgeJobFeature(decl: JobKindDeclaration): Feature {
  return {
    name: decl.name,
    kinds: [decl.kind],
    register: ({ manager, client, addressing, router, embedded, config }) => {
      manager.add(MultiEdgeJobController.declaration(decl, !embedded), (cache) => new MultiEdgeJobController(decl, { cache, client, addressing, router, deployments: !embedded, ...(config.broker.url ? { brokerUrl: config.broker.url } : {}) }));
    },
  };
}

export const multiEdgeFeatures: readonly Feature[] = [
  multiEdgeServiceFeature(featureExtraction),
  multiEdgeServiceFeature(objectSearch),
  multiEdgeServiceFeature(objectTracking),
  multiEdgeJobFeature(videoAnalytics),
  multiEdgeJobFeature(reid),
];
