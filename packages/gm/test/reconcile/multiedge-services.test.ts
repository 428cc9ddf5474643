/**
 * reconcile(key) tables of the long-running multi-edge kinds (FeatureExtractionService, ObjectSearchService,
 * ObjectTrackingService), in embedded mode (Pods named `<owner>-<group>-<replica>`) and Kubernetes mode
 * (the original's Deployments), with their Services.
 */
import type { KubeObject } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import { featureExtraction } from '../../src/controllers/featureextraction/controller.js';
import { MultiEdgeServiceController, type ServiceKindDeclaration } from '../../src/controllers/multiedge/service-controller.js';
import type { MultiEdgeServiceKindName } from '../../src/controllers/multiedge/worker-groups.js';
import { objectSearch } from '../../src/controllers/objectsearch/controller.js';
import { objectTracking } from '../../src/controllers/objecttracking/controller.js';
import { kubernetesAddressing } from '../../src/workers/addressing.js';
import { envOf, harness, lastStatus, model, node, object, template, type Harness } from './harness.js';

const fe = (spec: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}) => object('FeatureExtractionService', 'fe', { spec: { model: { name: 'm3l' }, template: template(undefined, 'fe'), ...spec } }, meta);
const os = (reidReplicas?: number) =>
  object('ObjectSearchService', 'search', {
    spec: {
      userWorker: { template: template(undefined, 'user') },
      trackingWorkers: [{ template: template('edge-1', 'tracking') }, { template: template('edge-2', 'tracking') }],
      reidWorkers: { ...(reidReplicas ? { replicas: reidReplicas } : {}), template: template(undefined, 'reid') },
    },
  });
const ot = () => object('ObjectTrackingService', 'track', { spec: { trackingWorkers: [{ template: template('edge-1', 'tracking') }], reidWorkers: { template: template(undefined, 'reid') } } });
const world = [model('m3l'), node('cloud', { role: 'cloud', address: '10.0.0.1' }), node('edge-1'), node('edge-2')];

type AnyDecl = ServiceKindDeclaration<MultiEdgeServiceKindName>;

function controller(h: Harness, decl: AnyDecl, deployments = false): MultiEdgeServiceController<MultiEdgeServiceKindName> {
  const addressing = deployments ? () => kubernetesAddressing('http://localhost:9100') : h.addressing;
  return new MultiEdgeServiceController(decl, { cache: h.cache, client: h.client, addressing, router: h.router, deployments });
}

const createdNames = (h: Harness, kind: string): string[] => h.client.writes(kind).filter((w) => w.verb === 'create').map((w) => w.name);
const lastCondition = (h: Harness, kind: string) => (lastStatus(h.client, kind) as { conditions: { type: string; reason: string }[]; active: number; failed: number } | undefined);

/** Every Pod in the cache of the owner `name` made Running (or `phase`). */
function setPhase(h: Harness, phase: string, filter: (pod: KubeObject) => boolean = () => true): void {
  for (const pod of h.cache.list('Pod').filter(filter)) h.cache.put({ ...pod, status: { phase } });
}

describe('the multi-edge service controllers: reconcile', () => {
  const cases: { name: string; decl: AnyDecl; owner: KubeObject; objects?: KubeObject[]; deployments?: boolean; pods: string[]; services: string[]; deploymentsMade?: string[]; condition: string }[] = [
    { name: 'FE waits for its model', decl: featureExtraction as AnyDecl, owner: fe(), objects: world.filter((o) => o.kind !== 'Model'), pods: [], services: [], condition: 'Pending/Waiting' },
    { name: 'FE: replicas default to 1, a Pod named <owner>-fe-0 behind Service <owner>-fe', decl: featureExtraction as AnyDecl, owner: fe(), pods: ['fe-fe-0'], services: ['fe-fe'], condition: 'Pending/WorkersStarting' },
    { name: 'FE: replicas 3 gives three Pods by index', decl: featureExtraction as AnyDecl, owner: fe({ replicas: 3 }), pods: ['fe-fe-0', 'fe-fe-1', 'fe-fe-2'], services: ['fe-fe'], condition: 'Pending/WorkersStarting' },
    { name: 'FE: no Ready node of its role says so', decl: featureExtraction as AnyDecl, owner: fe(), objects: [model('m3l'), node('edge-1')], pods: [], services: ['fe-fe'], condition: 'Pending/NoNode' },
    { name: 'FE on a cluster: the original Deployment <owner>-deployment-fe', decl: featureExtraction as AnyDecl, owner: fe({ replicas: 2 }), deployments: true, pods: [], services: ['fe-fe'], deploymentsMade: ['fe-deployment-fe'], condition: 'Pending/WorkersStarting' },
    {
      name: 'ObjectSearch: a user worker, ReID replicas and a tracking worker per entry',
      decl: objectSearch as AnyDecl,
      owner: os(2),
      pods: ['search-userworker-0', 'search-reidworker-0', 'search-reidworker-1', 'search-trackingworker-0-0', 'search-trackingworker-1-0'],
      services: ['search-userworker', 'search-reidworker'],
      condition: 'Pending/WorkersStarting',
    },
    {
      name: 'ObjectSearch on a cluster: Deployments for the user and ReID workers, bare Pods for tracking',
      decl: objectSearch as AnyDecl,
      owner: os(),
      deployments: true,
      pods: ['search-trackingworker-0-0', 'search-trackingworker-1-0'],
      services: ['search-userworker', 'search-reidworker'],
      deploymentsMade: ['search-deployment-userworker', 'search-deployment-reidworker'],
      condition: 'Pending/WorkersStarting',
    },
    { name: 'ObjectTracking: ReID workers (replicas default 1) and the tracking workers', decl: objectTracking as AnyDecl, owner: ot(), pods: ['track-reidworker-0', 'track-trackingworker-0-0'], services: ['track-reidworker'], condition: 'Pending/WorkersStarting' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const h = harness([c.owner, ...(c.objects ?? world)]);
      await controller(h, c.decl, c.deployments).reconcile(`default/${c.owner.metadata.name}`);
      expect(createdNames(h, 'Pod').sort()).toEqual([...c.pods].sort());
      expect(createdNames(h, 'Service').sort()).toEqual([...c.services].sort());
      expect(createdNames(h, 'Deployment').sort()).toEqual([...(c.deploymentsMade ?? [])].sort());
      const last = lastCondition(h, c.owner.kind)!.conditions.at(-1)!;
      expect(`${last.type}/${last.reason}`).toBe(c.condition);
    });
  }

  it('owns what it creates: controller references to the owner, its labels, Services selecting its workers', async () => {
    const owner = fe();
    const h = harness([owner, ...world]);
    await controller(h, featureExtraction as AnyDecl).reconcile('default/fe');
    for (const kind of ['Pod', 'Service'] as const) {
      for (const obj of h.cache.list(kind)) expect(obj.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'FeatureExtractionService', name: 'fe', uid: owner.metadata.uid, controller: true })]);
    }
    const pod = h.cache.get('Pod', 'fe-fe-0', 'default')!;
    expect(pod.metadata.labels).toMatchObject({ 'featureextractionservice.sedna.io/name': 'fe', 'featureextractionservice.sedna.io/worker-type': 'fe', 'multiedge.sedna.io/replica': '0' });
    expect(pod.spec.nodeName).toBe('cloud');
    // It binds its node's address (the cloud node's, 10.0.0.1 here), where its clients are sent, not every interface.
    expect(envOf(pod as unknown as Record<string, unknown>)).toMatchObject({ SERVICE_NAME: 'fe', MODEL_URL: '/models/m3l', FE_MODEL_BIND_URL: '10.0.0.1', WORKER_NAME: expect.stringMatching(/^feworker-[0-9a-f]{5}$/) });
    const service = h.cache.get('Service', 'fe-fe', 'default')!;
    expect(service.spec.selector).toEqual(expect.objectContaining({ 'featureextractionservice.sedna.io/worker-type': 'fe' }));
  });

  it('is Running once every worker runs, and a second pass writes nothing', async () => {
    const h = harness([os(2), ...world]);
    const c = controller(h, objectSearch as AnyDecl);
    await c.reconcile('default/search');
    setPhase(h, 'Running');
    await c.reconcile('default/search');
    expect(lastCondition(h, 'ObjectSearchService')).toMatchObject({ active: 5, failed: 0 });
    expect(lastCondition(h, 'ObjectSearchService')!.conditions.at(-1)!.type).toBe('Running');
    const writes = h.client.writes().length;
    await c.reconcile('default/search');
    expect(h.client.writes()).toHaveLength(writes);
  });

  it('replaces an ended worker under the same name, and counts the failure meanwhile', async () => {
    const h = harness([fe(), ...world]);
    const c = controller(h, featureExtraction as AnyDecl);
    await c.reconcile('default/fe');
    setPhase(h, 'Failed');
    await c.reconcile('default/fe');
    expect(h.client.writes('Pod').map((w) => `${w.verb} ${w.name}`)).toEqual(['create fe-fe-0', 'delete fe-fe-0', 'create fe-fe-0']);
    expect(lastCondition(h, 'FeatureExtractionService')).toMatchObject({ failed: 1 });
  });

  it('a spec change replaces the workers, waiting for one still ending before creating its successor', async () => {
    const owner = fe();
    const h = harness([owner, ...world]);
    const c = controller(h, featureExtraction as AnyDecl);
    await c.reconcile('default/fe');
    setPhase(h, 'Running');
    h.cache.put({ ...owner, spec: { ...(owner['spec'] as Record<string, unknown>), template: template(undefined, 'fe-v2') } } as KubeObject);
    // The API deletes a running Pod gracefully: it stays, ending, until its node has stopped it.
    h.client.gracefulPodDeletion = true;
    await c.reconcile('default/fe');
    // The create met the ending Pod and adopted it: no duplicate, no error.
    expect(h.client.writes('Pod').map((w) => `${w.verb} ${w.name}`)).toEqual(['create fe-fe-0', 'delete fe-fe-0', 'create fe-fe-0']);
    expect(h.cache.list('Pod').map((p) => [p.metadata.name, Boolean(p.metadata.deletionTimestamp)])).toEqual([['fe-fe-0', true]]);
    // While it ends, passes only wait for it.
    await c.reconcile('default/fe');
    expect(h.client.writes('Pod')).toHaveLength(3);
    h.cache.remove('Pod', 'fe-fe-0', 'default'); // its node stopped it
    await c.reconcile('default/fe');
    const pods = h.cache.list('Pod');
    expect(pods.map((p) => p.metadata.name)).toEqual(['fe-fe-0']);
    expect(pods[0]!.spec.containers[0]!.image).toBe('example/fe-v2:v1');
  });

  it('scales down by removing the highest indexes', async () => {
    const owner = fe({ replicas: 3 });
    const h = harness([owner, ...world]);
    const c = controller(h, featureExtraction as AnyDecl);
    await c.reconcile('default/fe');
    h.cache.put({ ...owner, spec: { ...(owner['spec'] as Record<string, unknown>), replicas: 1 } } as KubeObject);
    await c.reconcile('default/fe');
    expect(h.cache.list('Pod').map((p) => p.metadata.name)).toEqual(['fe-fe-0']);
  });

  it('leaves a deleted owner to garbage collection', async () => {
    const h = harness([fe({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }), ...world]);
    await controller(h, featureExtraction as AnyDecl).reconcile('default/fe');
    const gone = harness(world);
    await controller(gone, featureExtraction as AnyDecl).reconcile('default/fe');
    expect([...h.client.writes(), ...gone.client.writes()]).toEqual([]);
  });
});
