/** Embedded mode's Pods: sent to the local controller of their node, which runs them and reports their status. */
import type { Feature } from '../../features/feature.js';
import { PodController } from './controller.js';

export const podFeature: Feature = {
  name: 'pod',
  kinds: ['Pod'],
  register: ({ manager, router, client, embedded }) => {
    // On a cluster the kubelets run the pods.
    if (embedded) manager.add(PodController.declaration, (cache) => new PodController({ cache, router, client }));
  },
};
