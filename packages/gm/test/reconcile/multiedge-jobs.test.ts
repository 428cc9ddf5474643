/**
 * reconcile(key) tables of the run-to-completion multi-edge kinds (VideoAnalyticsJob, ReidJob): one worker at a
 * time named `<job>-<worker>-<attempt>`, kept when it fails, another started until backoffLimit failures.
 */
import type { KubeObject } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import { MultiEdgeJobController, nextAttempt, type JobKindDeclaration } from '../../src/controllers/multiedge/job-controller.js';
import type { MultiEdgeJobKindName } from '../../src/controllers/multiedge/worker-groups.js';
import { reid } from '../../src/controllers/reid/controller.js';
import { videoAnalytics } from '../../src/controllers/videoanalytics/controller.js';
import { envOf, harness, lastStatus, model, node, object, template, type Harness } from './harness.js';

type AnyDecl = JobKindDeclaration<MultiEdgeJobKindName>;
const va = (spec: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}) => object('VideoAnalyticsJob', 'va', { spec: { model: { name: 'yolox' }, template: template(undefined, 'va'), ...spec } }, meta);
const reidJob = (spec: Record<string, unknown> = {}) => object('ReidJob', 'reid', { spec: { template: template(undefined, 'reid'), ...spec } });
const world = [model('yolox'), node('cloud', { role: 'cloud', address: '10.0.0.1' }), node('edge-1')];

const controller = (h: Harness, decl: AnyDecl) => new MultiEdgeJobController(decl, { cache: h.cache, client: h.client, addressing: h.addressing, router: h.router, deployments: false });
const podWrites = (h: Harness): string[] => h.client.writes('Pod').map((w) => `${w.verb} ${w.name}`);
type JobStatus = { phase: string; active: number; failed: number; succeeded: number; conditions?: { type: string; reason: string }[] };
const status = (h: Harness, kind: string) => lastStatus(h.client, kind) as JobStatus;

/** The job's Pods in the cache ended with `phase`, long enough ago for any retry delay to be over. */
function end(h: Harness, phase: 'Failed' | 'Succeeded'): void {
  for (const pod of h.cache.list('Pod')) {
    if (pod.status?.phase === 'Failed') continue;
    h.cache.put({ ...pod, status: { phase, containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: '2020-01-01T00:00:00Z' } } }] } });
  }
}

describe('the multi-edge job controllers: reconcile', () => {
  const cases: { name: string; decl: AnyDecl; job: KubeObject; objects?: KubeObject[]; pods: string[]; services: string[]; phase: string; node?: string }[] = [
    { name: 'VA waits for its model', decl: videoAnalytics as AnyDecl, job: va(), objects: world.filter((o) => o.kind !== 'Model'), pods: [], services: [], phase: 'Pending' },
    { name: 'VA: its first worker <job>-videoanalytics-0 on an edge node, behind Service <job>-videoanalytics', decl: videoAnalytics as AnyDecl, job: va(), pods: ['va-videoanalytics-0'], services: ['va-videoanalytics'], phase: 'Pending', node: 'edge-1' },
    { name: 'ReID: its worker <job>-reid-0 in the cloud behind Service <job>-reid', decl: reid as AnyDecl, job: reidJob(), pods: ['reid-reid-0'], services: ['reid-reid'], phase: 'Pending', node: 'cloud' },
    { name: 'a job with no Ready node for its worker waits', decl: reid as AnyDecl, job: reidJob(), objects: [node('edge-1')], pods: [], services: ['reid-reid'], phase: 'Pending' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const h = harness([c.job, ...(c.objects ?? world)]);
      await controller(h, c.decl).reconcile(`default/${c.job.metadata.name}`);
      expect(podWrites(h)).toEqual(c.pods.map((p) => `create ${p}`));
      expect(h.client.writes('Service').map((w) => w.name)).toEqual(c.services);
      expect(status(h, c.job.kind).phase).toBe(c.phase);
      for (const pod of h.cache.list('Pod')) {
        expect(pod.spec.nodeName).toBe(c.node);
        expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: c.job.kind, uid: c.job.metadata.uid, controller: true })]);
        expect(pod.spec.restartPolicy).toBe('Never');
      }
    });
  }

  it('gives the worker its job, model and service address, and a WORKER_NAME of the original format', async () => {
    const h = harness([va(), ...world]);
    await controller(h, videoAnalytics as AnyDecl).reconcile('default/va');
    expect(envOf(h.cache.get('Pod', 'va-videoanalytics-0', 'default') as unknown as Record<string, unknown>)).toMatchObject({
      JOB_NAME: 'va',
      MODEL_URL: '/models/yolox',
      // Its node's address, not every interface (another control plane on the machine may use the same node port).
      DET_MODEL_BIND_URL: '127.0.0.1',
      WORKER_NAME: expect.stringMatching(/^videoanalyticsworker-[0-9a-f]{5}$/),
    });
  });

  it('is Running while its worker runs, Succeeded when it completes, and a second pass writes nothing', async () => {
    const h = harness([va(), ...world]);
    const c = controller(h, videoAnalytics as AnyDecl);
    await c.reconcile('default/va');
    for (const pod of h.cache.list('Pod')) h.cache.put({ ...pod, status: { phase: 'Running' } });
    await c.reconcile('default/va');
    expect(status(h, 'VideoAnalyticsJob')).toMatchObject({ phase: 'Running', active: 1 });
    let writes = h.client.writes().length;
    await c.reconcile('default/va');
    expect(h.client.writes()).toHaveLength(writes);
    end(h, 'Succeeded');
    await c.reconcile('default/va');
    expect(status(h, 'VideoAnalyticsJob')).toMatchObject({ phase: 'Succeeded', succeeded: 1 });
    expect(status(h, 'VideoAnalyticsJob').conditions?.at(-1)?.type).toBe('Completed');
    writes = h.client.writes().length;
    await c.reconcile('default/va');
    expect(h.client.writes()).toHaveLength(writes);
    expect(podWrites(h)).toEqual(['create va-videoanalytics-0']);
  });

  it('keeps each failed worker and starts the next attempt under the next index until backoffLimit', async () => {
    const h = harness([reidJob({ backoffLimit: 2 }), ...world]);
    const c = controller(h, reid as AnyDecl);
    await c.reconcile('default/reid');
    for (let i = 0; i < 3; i++) {
      end(h, 'Failed');
      await c.reconcile('default/reid');
    }
    expect(podWrites(h)).toEqual(['create reid-reid-0', 'create reid-reid-1', 'create reid-reid-2']);
    expect(h.cache.list('Pod').map((p) => p.metadata.name).sort()).toEqual(['reid-reid-0', 'reid-reid-1', 'reid-reid-2']);
    expect(status(h, 'ReidJob')).toMatchObject({ phase: 'Failed', failed: 3 });
    expect(status(h, 'ReidJob').conditions?.at(-1)?.reason).toBe('BackoffLimitExceeded');
    const writes = h.client.writes().length;
    await c.reconcile('default/reid');
    expect(h.client.writes()).toHaveLength(writes);
  });

  it('backoffLimit defaults to 6', async () => {
    const h = harness([reidJob(), ...world]);
    const c = controller(h, reid as AnyDecl);
    await c.reconcile('default/reid');
    for (let i = 0; i < 7; i++) {
      end(h, 'Failed');
      await c.reconcile('default/reid');
    }
    expect(podWrites(h)).toHaveLength(7);
    expect(status(h, 'ReidJob')).toMatchObject({ phase: 'Failed', failed: 7 });
  });

  it('waits out the retry delay after a recent failure', async () => {
    const h = harness([reidJob(), ...world]);
    const c = controller(h, reid as AnyDecl);
    await c.reconcile('default/reid');
    const [pod] = h.cache.list('Pod');
    h.cache.put({ ...pod!, status: { phase: 'Failed', containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: new Date().toISOString() } } }] } });
    const result = await c.reconcile('default/reid');
    expect(result).toEqual({ requeueAfterMs: expect.any(Number) });
    expect(podWrites(h)).toEqual(['create reid-reid-0']);
  });

  it('an attempt is one more than the highest index of the job\'s Pods, ended or ending', () => {
    const pod = (index: string | undefined) => object('Pod', `p${index}`, { spec: { containers: [] } }, index === undefined ? {} : { annotations: { 'sedna.io/worker-index': index } });
    expect(nextAttempt([])).toBe(0);
    expect(nextAttempt([pod(undefined)])).toBe(0);
    expect(nextAttempt([pod('0'), pod('3'), pod('1')])).toBe(4);
  });

  it("a Service name taken by another owner's Service is a Waiting/NameConflict condition", async () => {
    const squatter = object('Service', 'reid-reid', { spec: { ports: [] } }, { ownerReferences: [{ apiVersion: 'v1', kind: 'ReidJob', name: 'older', uid: 'uid-older', controller: true }] });
    const h = harness([reidJob(), squatter, ...world]);
    await expect(controller(h, reid as AnyDecl).reconcile('default/reid')).rejects.toThrow(/Service default\/reid-reid already exists and belongs to ReidJob older/);
    expect(status(h, 'ReidJob')).toMatchObject({ phase: 'Pending', conditions: [expect.objectContaining({ type: 'Waiting', reason: 'NameConflict' })] });
    expect(podWrites(h)).toEqual([]);
  });

  it('leaves a deleted job to garbage collection', async () => {
    const h = harness([va({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }), ...world]);
    await controller(h, videoAnalytics as AnyDecl).reconcile('default/va');
    expect(h.client.writes()).toEqual([]);
  });
});
