/**
 * VideoAnalyticsJob: one camera's detection and tracking worker (edge by default) behind Service
 * `<job>-videoanalytics` on port 4000. Env: JOB_NAME, MODEL_NAME, MODEL_URL, DET_MODEL_BIND_URL/_PORT, the addresses
 * of the namespace's feature extraction service and ReID job (FE_MODEL_BIND_URL/_PORT, REID_MODEL_BIND_URL/_PORT),
 * KAFKA_ENABLED and the broker's address with kafkaSupport (../multiedge/broker.ts).
 */
import type { JobKindDeclaration } from '../multiedge/job-controller.js';
import { FE_PEER, REID_PEER } from '../multiedge/peers.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export const VA_PORT = 4000;

export const videoAnalytics: JobKindDeclaration<'VideoAnalyticsJob'> = {
  name: 'videoanalytics',
  kind: 'VideoAnalyticsJob',
  peers: [FE_PEER, REID_PEER],
  groups: (owner, model) => {
    const spec = owner.spec;
    const m = model(spec.model.name);
    if (!m) return { waitingFor: `model ${spec.model.name}` };
    return [
      {
        workerType: 'videoanalytics',
        template: spec.template,
        replicas: 1,
        env: { JOB_NAME: owner.metadata.name!, MODEL_NAME: spec.model.name, MODEL_URL: m.url },
        kafkaSupport: spec.kafkaSupport ?? false,
        defaultRole: 'edge',
        service: { suffix: 'videoanalytics', port: VA_PORT, bindEnv: { host: WORKER_ENV.DET_MODEL_BIND_URL, port: WORKER_ENV.DET_MODEL_BIND_PORT } },
      },
    ];
  },
};
