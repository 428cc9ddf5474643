/** JointInferenceService: a cloud and an edge worker (Pods embedded, Deployments on a cluster). */
import type { Feature } from '../../features/feature.js';
import { JointInferenceController } from './controller.js';

export const jointInferenceFeature: Feature = {
  name: 'jointinference',
  kinds: ['JointInferenceService'],
  workerReportKinds: ['JointInferenceService'],
  register: ({ manager, client, addressing, router, embedded, autoscaler }) => {
    manager.add(JointInferenceController.declaration(!embedded), (cache) => new JointInferenceController({ cache, client, addressing, router, deployments: !embedded, ...(autoscaler ? { autoscaler } : {}) }));
  },
};
