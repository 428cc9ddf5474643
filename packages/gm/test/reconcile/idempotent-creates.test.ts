/**
 * Creates are idempotent because child names are deterministic: a GM restarted over the objects its predecessor
 * created creates nothing new; a controller whose cache has not seen its children yet meets AlreadyExists and
 * adopts them (no error, no duplicate); a name taken by an object the owner does not control is a clear condition.
 */
import type { KubeObject } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import { featureExtraction } from '../../src/controllers/featureextraction/controller.js';
import { FederatedLearningController } from '../../src/controllers/federatedlearning/controller.js';
import { incrementalLearning } from '../../src/controllers/incrementallearning/controller.js';
import { JointInferenceController } from '../../src/controllers/jointinference/controller.js';
import { MultiEdgeJobController, type JobKindDeclaration } from '../../src/controllers/multiedge/job-controller.js';
import { MultiEdgeServiceController, type ServiceKindDeclaration } from '../../src/controllers/multiedge/service-controller.js';
import type { MultiEdgeJobKindName, MultiEdgeServiceKindName } from '../../src/controllers/multiedge/worker-groups.js';
import { objectSearch } from '../../src/controllers/objectsearch/controller.js';
import { reid } from '../../src/controllers/reid/controller.js';
import { StageJobController } from '../../src/controllers/stagejob/controller.js';
import { videoAnalytics } from '../../src/controllers/videoanalytics/controller.js';
import { ChannelRouter } from '../../src/channel/router.js';
import { MemoryCache, type ObjectCache } from '../../src/runtime/cache.js';
import type { ObjectClient } from '../../src/runtime/client.js';
import type { Reconciler } from '../../src/runtime/controller.js';
import { kubernetesAddressing } from '../../src/workers/addressing.js';
import { createOwned, NameConflictError } from '../../src/workers/create-owned.js';
import { dataset, harness, lastStatus, model, node, object, template, type Harness } from './harness.js';

const CHILD_KINDS = new Set(['Pod', 'Service', 'Deployment']);
const nodes = [node('cloud', { role: 'cloud', address: '10.0.0.1' }), node('edge-1'), node('edge-2')];

type Make = (deps: { cache: ObjectCache; client: ObjectClient; router: ChannelRouter; addressing: Harness['addressing'] }) => Reconciler;

interface Case {
  name: string;
  objects: KubeObject[];
  key: string;
  make: Make;
  /** The name a child is made under, for the foreign-owner case; and the kind whose status says so. */
  child?: string;
  statusKind?: string;
}

const k8s = () => kubernetesAddressing('http://localhost:9100');
const serviceDecl = (d: unknown) => d as ServiceKindDeclaration<MultiEdgeServiceKindName>;
const jobDecl = (d: unknown) => d as JobKindDeclaration<MultiEdgeJobKindName>;

const cases: Case[] = [
  {
    name: 'FederatedLearningJob',
    objects: [object('FederatedLearningJob', 'fl', { spec: { aggregationWorker: { model: { name: 'agg' }, template: template(undefined, 'agg') }, trainingWorkers: [{ dataset: { name: 'd1' }, template: template(undefined, 't') }, { dataset: { name: 'd2' }, template: template(undefined, 't') }] } }), model('agg'), dataset('d1', 'edge-1'), dataset('d2', 'edge-2'), ...nodes],
    key: 'default/fl',
    make: (d) => new FederatedLearningController(d),
    child: 'fl-trainworker-1',
    statusKind: 'FederatedLearningJob',
  },
  {
    name: 'JointInferenceService (embedded)',
    objects: [object('JointInferenceService', 'ji', { spec: { edgeWorker: { model: { name: 'little' }, hardExampleMining: { name: 'IBT' }, template: template('edge-1', 'edge') }, cloudWorker: { model: { name: 'big' }, template: template('cloud', 'cloud') } } }), model('big'), model('little'), ...nodes],
    key: 'default/ji',
    make: (d) => new JointInferenceController({ ...d, deployments: false }),
    child: 'ji-edge-0',
    statusKind: 'JointInferenceService',
  },
  {
    name: 'JointInferenceService (Kubernetes)',
    objects: [object('JointInferenceService', 'ji', { spec: { edgeWorker: { model: { name: 'little' }, hardExampleMining: { name: 'IBT' }, template: template('edge-1', 'edge') }, cloudWorker: { model: { name: 'big' }, template: template('cloud', 'cloud') } } }), model('big'), model('little'), ...nodes],
    key: 'default/ji',
    make: (d) => new JointInferenceController({ ...d, addressing: k8s, deployments: true }),
  },
  {
    name: 'FeatureExtractionService (embedded)',
    objects: [object('FeatureExtractionService', 'fe', { spec: { model: { name: 'm' }, replicas: 2, template: template(undefined, 'fe') } }), model('m'), ...nodes],
    key: 'default/fe',
    make: (d) => new MultiEdgeServiceController(serviceDecl(featureExtraction), { ...d, deployments: false }),
    child: 'fe-fe-1',
    statusKind: 'FeatureExtractionService',
  },
  {
    name: 'FeatureExtractionService (Kubernetes)',
    objects: [object('FeatureExtractionService', 'fe', { spec: { model: { name: 'm' }, template: template(undefined, 'fe') } }), model('m'), ...nodes],
    key: 'default/fe',
    make: (d) => new MultiEdgeServiceController(serviceDecl(featureExtraction), { ...d, addressing: k8s, deployments: true }),
  },
  {
    name: 'ObjectSearchService',
    objects: [object('ObjectSearchService', 'os', { spec: { userWorker: { template: template(undefined, 'u') }, trackingWorkers: [{ template: template('edge-1', 't') }], reidWorkers: { replicas: 2, template: template(undefined, 'r') } } }), ...nodes],
    key: 'default/os',
    make: (d) => new MultiEdgeServiceController(serviceDecl(objectSearch), { ...d, deployments: false }),
  },
  {
    name: 'VideoAnalyticsJob',
    objects: [object('VideoAnalyticsJob', 'va', { spec: { model: { name: 'y' }, template: template(undefined, 'va') } }), model('y'), ...nodes],
    key: 'default/va',
    make: (d) => new MultiEdgeJobController(jobDecl(videoAnalytics), { ...d, deployments: false }),
    child: 'va-videoanalytics-0',
    statusKind: 'VideoAnalyticsJob',
  },
  {
    name: 'ReidJob',
    objects: [object('ReidJob', 'reid', { spec: { template: template(undefined, 'reid') } }), ...nodes],
    key: 'default/reid',
    make: (d) => new MultiEdgeJobController(jobDecl(reid), { ...d, deployments: false }),
  },
  {
    name: 'IncrementalLearningJob (its inference worker)',
    objects: [
      object('IncrementalLearningJob', 'il', {
        spec: {
          initialModel: { name: 'initial' },
          dataset: { name: 'ds', trainProb: 0.8 },
          trainSpec: { template: template('edge-1', 'train'), trigger: { condition: { operator: '>', threshold: 500, metric: 'num_of_samples' } } },
          evalSpec: { template: template('edge-1', 'eval') },
          deploySpec: { model: { name: 'deploy' }, hardExampleMining: { name: 'IBT' }, template: template('edge-1', 'infer') },
          outputDir: '/output',
        },
      }),
      model('initial'),
      model('deploy'),
      dataset('ds', 'edge-1'),
      ...nodes,
    ],
    key: 'default/il',
    make: (d) => new StageJobController(incrementalLearning, { ...d, kbServer: 'http://kb' }),
  },
];

const creates = (h: Harness): string[] => h.client.writes().filter((w) => w.verb === 'create' && CHILD_KINDS.has(w.kind)).map((w) => `${w.kind} ${w.name}`);
const children = (cache: MemoryCache): string[] => [...CHILD_KINDS].flatMap((kind) => cache.list(kind as 'Pod').map((o) => `${kind} ${o.metadata.name}`)).sort();

describe('idempotent creates by deterministic names', () => {
  for (const c of cases) {
    it(`${c.name}: a restarted GM over the same store creates nothing new`, async () => {
      const h = harness(c.objects);
      await c.make(h).reconcile(c.key);
      const made = creates(h);
      expect(made.length).toBeGreaterThan(0);
      const before = children(h.cache);
      // A fresh controller (a new GM process) whose informers have listed what the first one made.
      await c.make({ ...h, router: new ChannelRouter() }).reconcile(c.key);
      expect(creates(h)).toEqual(made);
      expect(children(h.cache)).toEqual(before);
    });

    it(`${c.name}: a cache that has not seen the children yet adopts them instead of failing or duplicating`, async () => {
      const h = harness(c.objects);
      await c.make(h).reconcile(c.key);
      const before = children(h.cache);
      // The API (h.cache, behind h.client) has the children; the second controller's informers have not seen them.
      const stale = new MemoryCache(allObjects(h.cache).filter((o) => !CHILD_KINDS.has(o.kind)));
      await expect(c.make({ ...h, cache: stale, router: new ChannelRouter() }).reconcile(c.key)).resolves.not.toThrow();
      expect(children(h.cache)).toEqual(before);
      expect(h.client.writes('Event').map((w) => (w.body as { reason?: string } | undefined)?.reason)).not.toContain('NameConflict');
    });

    if (c.child) {
      const child = c.child;
      it(`${c.name}: a name taken by an object it does not own is a NameConflict condition, nothing is duplicated`, async () => {
        const squatter = object('Pod', child, { spec: { containers: [{ name: 'x', image: 'someone/else' }] } });
        const h = harness([...c.objects, squatter]);
        // The squatter is in the API but, as a Pod the controller does not own, it is invisible to its selectors.
        const err = await c
          .make(h)
          .reconcile(c.key)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(NameConflictError);
        expect((err as Error).message).toMatch(new RegExp(`Pod default/${child} already exists and has no controller`));
        const conditions = (lastStatus(h.client, c.statusKind!) as { conditions?: { reason: string; message: string }[] }).conditions ?? [];
        expect(conditions.at(-1)).toMatchObject({ reason: 'NameConflict', message: expect.stringContaining(child) });
        expect(h.cache.get('Pod', child, 'default')!.spec.containers[0]!.image).toBe('someone/else');
        expect(h.client.writes('Event').some((w) => (w.body as { reason?: string }).reason === 'NameConflict')).toBe(true);
      });
    }
  }
});

describe('createOwned', () => {
  const owner = object('ReidJob', 'job', { spec: {} });
  const body = (name: string) => ({ metadata: { name, namespace: 'default', ownerReferences: [{ apiVersion: 'sedna.io/v1alpha1', kind: 'ReidJob', name: 'job', uid: owner.metadata.uid!, controller: true }] }, spec: { containers: [] } });

  it('creates, then adopts its own object under the same name', async () => {
    const h = harness([owner]);
    expect((await createOwned(h.client, owner, 'Pod', body('job-w-0'))).created).toBe(true);
    const again = await createOwned(h.client, owner, 'Pod', body('job-w-0'));
    expect(again.created).toBe(false);
    expect(again.object.metadata.name).toBe('job-w-0');
    expect(h.cache.list('Pod')).toHaveLength(1);
  });

  it("refuses another owner's object, naming it", async () => {
    const other = object('Pod', 'job-w-0', { spec: { containers: [] } }, { ownerReferences: [{ apiVersion: 'sedna.io/v1alpha1', kind: 'ReidJob', name: 'other', uid: 'uid-other', controller: true }] });
    const h = harness([owner, other]);
    await expect(createOwned(h.client, owner, 'Pod', body('job-w-0'))).rejects.toThrow(/Pod default\/job-w-0 already exists and belongs to ReidJob other \(uid uid-other\), so ReidJob default\/job cannot create its pod under that name/);
  });

  it('refuses a body without a name (a generated name is not idempotent)', async () => {
    const h = harness([owner]);
    await expect(createOwned(h.client, owner, 'Pod', { metadata: { generateName: 'x-' }, spec: { containers: [] } })).rejects.toThrow(/has no name/);
  });
});

function allObjects(cache: MemoryCache): KubeObject[] {
  const kinds = ['FederatedLearningJob', 'JointInferenceService', 'FeatureExtractionService', 'ObjectSearchService', 'VideoAnalyticsJob', 'ReidJob', 'IncrementalLearningJob', 'Model', 'Dataset', 'Node', 'Pod', 'Service', 'Deployment'] as const;
  return kinds.flatMap((k) => cache.list(k));
}
