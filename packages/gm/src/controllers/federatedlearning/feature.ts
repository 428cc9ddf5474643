/** FederatedLearningJob: an aggregation worker and the training workers, rounds reported by the aggregator. */
import type { Feature } from '../../features/feature.js';
import { FederatedLearningController } from './controller.js';

export const federatedLearningFeature: Feature = {
  name: 'federatedlearning',
  kinds: ['FederatedLearningJob'],
  workerReportKinds: ['FederatedLearningJob'],
  register: ({ manager, client, addressing, router }) => {
    manager.add(FederatedLearningController.declaration, (cache) => new FederatedLearningController({ cache, client, addressing, router }));
  },
};
