/** The five multi-edge controllers, built from their declarations over shared worker machinery. */
import type { ChannelRouter } from '../../channel/router.js';
import type { Controller } from '../../runtime/controller.js';
import type { ResourceInformer } from '../../runtime/informer.js';
import { featureExtraction } from '../featureextraction/controller.js';
import { objectSearch } from '../objectsearch/controller.js';
import { objectTracking } from '../objecttracking/controller.js';
import { reid } from '../reid/controller.js';
import { videoAnalytics } from '../videoanalytics/controller.js';
import { MultiEdgeJobController } from './job-controller.js';
import { MultiEdgeServiceController } from './service-controller.js';
import { type MultiEdgeDeps, MultiEdgeWorkers } from './workers.js';

export function multiEdgeControllers(deps: MultiEdgeDeps, informer: (kind: string) => ResourceInformer, router: ChannelRouter): Controller[] {
  const workers = new MultiEdgeWorkers(deps);
  return [
    ...[featureExtraction, objectSearch, objectTracking].map((d) => new MultiEdgeServiceController(d, informer(d.kind), deps, workers, deps.client, router)),
    ...[videoAnalytics, reid].map((d) => new MultiEdgeJobController(d, informer(d.kind), deps, workers, deps.client, router)),
  ];
}
