/** Datasets: sent to their node's local controller, which reports their sample counts. */
import type { Feature } from '../../features/feature.js';
import { DatasetController } from './controller.js';

export const datasetFeature: Feature = {
  name: 'dataset',
  kinds: ['Dataset'],
  register: ({ manager, router, client }) => {
    manager.add(DatasetController.declaration, (cache) => new DatasetController({ cache, router, client, log: (m) => manager.log.warn(m) }));
  },
};
