/**
 * ObjectSearchService: a user worker (queries; Service `<name>-userworker` on 9379, one replica), ReID workers
 * (`reidWorkers.replicas`, default 1; Service `<name>-reidworker` on 9378, Deployment `<name>-deployment-reidworker` on
 * a real cluster) and one tracking worker per `trackingWorkers[i]` (edge by default). Every worker gets NAMESPACE,
 * SERVICE_NAME, WORKER_NAME, LC_SERVER (the original gave none LC_SERVER and the ReID workers no env at all),
 * USERWORKER_URL and EDGEMESH_URL (`host:port` of the user and ReID workers) and REID_MODEL_BIND_URL/_PORT; with
 * several ReID replicas EDGEMESH_URLS (every replica, embedded mode) and the control plane's broker for their shared
 * identities (BROKER_URL, SEDNA_OWNER_UID).
 */
import type { KubeObject, ObjectTrackingServiceSpec } from '@sedna/api';
import type { ServiceKindDeclaration } from '../multiedge/service-controller.js';
import type { WorkerGroup } from '../multiedge/worker-groups.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export const USER_WORKER_PORT = 9379;
export const REID_WORKER_PORT = 9378;

/** The ReID and tracking workers ObjectSearch and ObjectTracking share. */
export function trackingAndReidGroups(owner: KubeObject, spec: ObjectTrackingServiceSpec): WorkerGroup[] {
  const name = owner.metadata.name!;
  const env = { SERVICE_NAME: name };
  return [
    {
      workerType: 'reidworker',
      template: spec.reidWorkers.template,
      replicas: spec.reidWorkers.replicas ?? 1,
      // The owner's uid names the replicas' shared gallery (a service recreated under the name starts afresh).
      env: { ...env, [WORKER_ENV.SEDNA_OWNER_UID]: owner.metadata.uid ?? '' },
      defaultRole: 'cloud',
      // Several replicas: in embedded mode each on its own port, the tracking workers spreading over EDGEMESH_URLS;
      // their identities shared through the control plane's broker (BROKER_URL) when it has one.
      service: { suffix: 'reidworker', port: REID_WORKER_PORT, bindEnv: { host: WORKER_ENV.REID_MODEL_BIND_URL, port: WORKER_ENV.REID_MODEL_BIND_PORT }, urlEnv: WORKER_ENV.EDGEMESH_URL, replicaUrlsEnv: WORKER_ENV.EDGEMESH_URLS },
      stateBroker: true,
      deployment: `${name}-deployment-reidworker`,
      workerNamePrefix: 'reid',
    },
    ...spec.trackingWorkers.map((w, i): WorkerGroup => ({
      workerType: `trackingworker-${i}`,
      template: w.template,
      replicas: 1,
      env: { ...env, TRACKING_WORKER_INDEX: String(i) },
      defaultRole: 'edge',
      workerNamePrefix: 'tracking',
    })),
  ];
}

export const objectSearch: ServiceKindDeclaration<'ObjectSearchService'> = {
  name: 'objectsearch',
  kind: 'ObjectSearchService',
  groups: (owner) => {
    const spec = owner.spec;
    const name = owner.metadata.name!;
    return [
      {
        workerType: 'userworker',
        template: spec.userWorker.template,
        replicas: 1,
        env: { SERVICE_NAME: name },
        defaultRole: 'cloud',
        service: { suffix: 'userworker', port: USER_WORKER_PORT, bindEnv: { host: WORKER_ENV.USER_WORKER_BIND_URL, port: WORKER_ENV.USER_WORKER_BIND_PORT }, urlEnv: WORKER_ENV.USERWORKER_URL },
        deployment: `${name}-deployment-userworker`,
        workerNamePrefix: 'user',
      },
      ...trackingAndReidGroups(owner, spec),
    ];
  },
};
