/**
 * ReidJob: the matcher of detected objects against the user's targets (cloud by default), behind Service
 * `<job>-reid` on port 5000 (the original declared the port and created no Service). Env: JOB_NAME,
 * REID_MODEL_BIND_URL/_PORT, the feature extraction service's address (for the query images' features),
 * KAFKA_ENABLED and the broker's address with kafkaSupport (../multiedge/broker.ts).
 */
import type { JobKindDeclaration } from '../multiedge/job-controller.js';
import { FE_PEER } from '../multiedge/peers.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export const REID_PORT = 5000;

export const reid: JobKindDeclaration<'ReidJob'> = {
  name: 'reid',
  kind: 'ReidJob',
  peers: [FE_PEER],
  groups: (owner) => {
    const spec = owner.spec;
    return [
      {
        workerType: 'reid',
        template: spec.template,
        replicas: 1,
        env: { JOB_NAME: owner.metadata.name! },
        kafkaSupport: spec.kafkaSupport ?? false,
        defaultRole: 'cloud',
        service: { suffix: 'reid', port: REID_PORT, bindEnv: { host: WORKER_ENV.REID_MODEL_BIND_URL, port: WORKER_ENV.REID_MODEL_BIND_PORT } },
      },
    ];
  },
};
