/** Embedded mode's Pods: the process runner's (the pod status reports come from the runner itself). */
import type { LcFeature } from '../feature.js';
import { PodManager } from './pod-manager.js';

export const podFeature: LcFeature = {
  name: 'pod',
  kinds: ['pod'],
  reportKinds: [],
  manager: (ctx) => {
    const { runner } = ctx;
    // Without a runner (a node whose pods a kubelet runs) the GM sends no pods.
    if (!runner) return { apply: async () => undefined, close: () => undefined };
    return new PodManager({ ...ctx, runner });
  },
};
