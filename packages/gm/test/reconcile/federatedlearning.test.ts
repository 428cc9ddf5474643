/** reconcile(key) table of the FederatedLearningJob controller. */
import type { KubeObject } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import { FederatedLearningController } from '../../src/controllers/federatedlearning/controller.js';
import { dataset, envOf, harness, lastStatus, model, node, object, template } from './harness.js';

const job = (extra: Record<string, unknown> = {}) =>
  object('FederatedLearningJob', 'fl', {
    spec: {
      aggregationWorker: { model: { name: 'agg-model' }, template: template(undefined, 'agg') },
      trainingWorkers: [
        { dataset: { name: 'ds-1' }, template: template(undefined, 'train') },
        { dataset: { name: 'ds-2' }, template: template(undefined, 'train') },
      ],
      ...extra,
    },
  });
const world = [model('agg-model'), dataset('ds-1', 'edge-1'), dataset('ds-2', 'edge-2'), node('cloud', { role: 'cloud', address: '10.0.0.1' }), node('edge-1'), node('edge-2')];

function created(h: ReturnType<typeof harness>, kind: string): Record<string, unknown>[] {
  return h.client.writes(kind).filter((c) => c.verb === 'create').map((c) => c.body!);
}

describe('FederatedLearningController.reconcile', () => {
  const cases: { name: string; objects: KubeObject[]; pods: number; phase: string; reason?: string }[] = [
    { name: 'waits, saying which model is missing', objects: [job(), ...world.filter((o) => o.kind !== 'Model')], pods: 0, phase: 'Pending', reason: 'ModelNotFound' },
    { name: 'waits for a dataset that does not exist yet', objects: [job(), ...world.filter((o) => o.metadata.name !== 'ds-2')], pods: 0, phase: 'Pending', reason: 'DatasetNotFound' },
    { name: 'waits for a Ready cloud node for the aggregator', objects: [job(), ...world.filter((o) => o.metadata.name !== 'cloud')], pods: 0, phase: 'Pending', reason: 'WaitingForCloudNode' },
    { name: 'starts the aggregator and a trainer per dataset, each on its node', objects: [job(), ...world], pods: 3, phase: 'Running' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const h = harness(c.objects);
      await new FederatedLearningController({ cache: h.cache, client: h.client, addressing: h.addressing, router: h.router }).reconcile('default/fl');
      const pods = created(h, 'Pod');
      expect(pods).toHaveLength(c.pods);
      const status = lastStatus(h.client, 'FederatedLearningJob') as { phase: string; conditions?: { reason: string }[] };
      expect(status.phase).toBe(c.phase);
      if (c.reason) expect(status.conditions?.at(-1)?.reason).toBe(c.reason);
    });
  }

  it('sends the trainers to the aggregator\'s node port and does not create twice', async () => {
    const h = harness([job(), ...world]);
    const controller = new FederatedLearningController({ cache: h.cache, client: h.client, addressing: h.addressing, router: h.router });
    await controller.reconcile('default/fl');
    await controller.reconcile('default/fl');
    const pods = created(h, 'Pod');
    expect(pods).toHaveLength(3);
    const [service] = created(h, 'Service');
    const nodePort = (service!['spec'] as { ports: { nodePort: number }[] }).ports[0]!.nodePort;
    const trainers = pods.filter((p) => (p['spec'] as { nodeName: string }).nodeName !== 'cloud');
    expect(trainers.map((p) => (p['spec'] as { nodeName: string }).nodeName).sort()).toEqual(['edge-1', 'edge-2']);
    for (const p of trainers) expect(envOf(p)).toMatchObject({ AGG_IP: '10.0.0.1', AGG_PORT: String(nodePort), PARTICIPANTS_COUNT: '2', MODEL_URL: '/models/agg-model' });
  });

  it('restarts every worker after a spec change', async () => {
    const h = harness([job(), ...world]);
    const controller = new FederatedLearningController({ cache: h.cache, client: h.client, addressing: h.addressing, router: h.router });
    await controller.reconcile('default/fl');
    const current = h.cache.get('FederatedLearningJob', 'fl', 'default')!;
    h.cache.put({ ...current, metadata: { ...current.metadata, generation: 2 } });
    await controller.reconcile('default/fl');
    expect(h.client.writes('Pod').filter((c) => c.verb === 'delete')).toHaveLength(3);
  });
});
