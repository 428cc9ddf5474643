/** reconcile(key) tables of the Dataset, Pod and scheduler controllers and of the NotServed answer. */
import type { KubeObject } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import { DatasetController } from '../../src/controllers/dataset/controller.js';
import { PodController } from '../../src/controllers/pod/controller.js';
import { SchedulerController } from '../../src/controllers/scheduler/controller.js';
import { NOT_SERVED_REASON, UnservedController } from '../../src/features/unserved.js';
import { dataset, harness, lastStatus, node, object } from './harness.js';

describe('DatasetController.reconcile', () => {
  const cases: { name: string; objects: KubeObject[]; change?: (h: ReturnType<typeof harness>) => void; sent: string[] }[] = [
    { name: 'sends a new dataset to its node', objects: [dataset('d', 'edge-1')], sent: ['edge-1 insert dataset d'] },
    {
      name: 'moves a dataset whose node changed',
      objects: [dataset('d', 'edge-1')],
      change: (h) => void h.cache.put({ ...h.cache.get('Dataset', 'd', 'default')!, spec: { url: '/d', format: 'txt', nodeName: 'edge-2' }, metadata: { ...h.cache.get('Dataset', 'd', 'default')!.metadata, generation: 2 } }),
      sent: ['edge-1 insert dataset d', 'edge-1 delete dataset d', 'edge-2 update dataset d'],
    },
    { name: 'removes a deleted dataset from its node', objects: [dataset('d', 'edge-1')], change: (h) => h.cache.remove('Dataset', 'd', 'default'), sent: ['edge-1 insert dataset d', 'edge-1 delete dataset d'] },
    { name: 'sends nothing again when nothing changed', objects: [dataset('d', 'edge-1')], change: () => undefined, sent: ['edge-1 insert dataset d'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const h = harness(c.objects);
      const controller = new DatasetController({ cache: h.cache, router: h.router, client: h.client, log: () => undefined });
      await controller.reconcile('default/d');
      if (c.change) {
        c.change(h);
        await controller.reconcile('default/d');
      }
      expect(h.sent.map((m) => `${m.node} ${m.operation} ${m.kind} ${m.name}`)).toEqual(c.sent);
      expect(h.client.writes()).toEqual([]);
    });
  }
});

describe('PodController.reconcile', () => {
  const pod = (volumes: unknown[] = []) => object('Pod', 'p', { spec: { nodeName: 'edge-1', containers: [{ name: 'c', image: 'i' }], volumes } });
  const claim = (bound: boolean) => object('PersistentVolumeClaim', 'data', { spec: { volumeName: 'pv-1' }, status: { phase: bound ? 'Bound' : 'Pending' } });
  const volume = object('PersistentVolume', 'pv-1', { spec: { hostPath: { path: '/srv/pv-1' } } });
  const cases: { name: string; objects: KubeObject[]; hostPath: string | undefined }[] = [
    { name: 'sends a bound pod to its node as is', objects: [pod()], hostPath: undefined },
    { name: 'resolves a bound claim to its volume\'s directory', objects: [pod([{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }]), claim(true), volume], hostPath: '/srv/pv-1' },
    { name: 'leaves a claim not bound yet unresolved', objects: [pod([{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }]), claim(false), volume], hostPath: undefined },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const h = harness(c.objects);
      await new PodController({ cache: h.cache, router: h.router, client: h.client }).reconcile('default/p');
      expect(h.sent.map((m) => `${m.node} ${m.operation} ${m.name}`)).toEqual(['edge-1 insert p']);
      const volumes = (h.sent[0]!.content['spec'] as { volumes?: { hostPath?: { path: string } }[] }).volumes ?? [];
      expect(volumes[0]?.hostPath?.path).toBe(c.hostPath);
    });
  }
});

describe('SchedulerController.reconcile', () => {
  const unbound = (extra: Record<string, unknown> = {}) => object('Pod', 'p', { spec: { containers: [{ name: 'c', image: 'i' }], ...extra } });
  const cases: { name: string; objects: KubeObject[]; nodeName?: string; scheduled: { status: string; reason?: string } | undefined }[] = [
    { name: 'binds a pod to the Ready node with the fewest pods', objects: [unbound(), node('a'), node('b'), object('Pod', 'other', { spec: { nodeName: 'a', containers: [{ name: 'c', image: 'i' }] } })], nodeName: 'b', scheduled: { status: 'True' } },
    { name: 'says Unschedulable when no node is Ready', objects: [unbound(), node('a', { ready: false })], scheduled: { status: 'False', reason: 'Unschedulable' } },
    { name: 'leaves a pod for another scheduler alone', objects: [unbound({ schedulerName: 'volcano' }), node('a')], scheduled: undefined },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const h = harness(c.objects);
      await new SchedulerController({ cache: h.cache, client: h.client }).reconcile('default/p');
      const pod = h.cache.get('Pod', 'p', 'default')!;
      expect(pod.spec.nodeName).toBe(c.nodeName);
      const scheduled = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
      if (c.scheduled) expect(scheduled).toMatchObject(c.scheduled);
      else expect(scheduled).toBeUndefined();
      if (c.scheduled?.reason === 'Unschedulable') expect(h.client.writes('Event').map((e) => (e.body as { reason: string }).reason)).toEqual(['FailedScheduling']);
    });
  }
});

describe('UnservedController.reconcile', () => {
  it('says once, in a Failed condition and an Event, that no feature serves the kind', async () => {
    const h = harness([object('ReidJob', 'r', { spec: {} })]);
    const controller = new UnservedController('ReidJob', h.cache, h.client);
    await controller.reconcile('default/r');
    await controller.reconcile('default/r');
    expect(lastStatus(h.client, 'ReidJob')).toMatchObject({ conditions: [{ type: 'Failed', reason: NOT_SERVED_REASON, message: expect.stringContaining('no feature of this GM serves ReidJob') }] });
    expect(h.client.writes('ReidJob')).toHaveLength(1);
    expect(h.client.writes('Event')).toHaveLength(1);
  });
});
