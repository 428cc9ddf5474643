/** Embedded mode's scheduler (a cluster has its own). */
import type { Feature } from '../../features/feature.js';
import { SchedulerController } from './controller.js';

export const schedulerFeature: Feature = {
  name: 'scheduler',
  kinds: [],
  register: ({ manager, client, embedded }) => {
    if (embedded) manager.add(SchedulerController.declaration, (cache) => new SchedulerController({ cache, client }));
  },
};
