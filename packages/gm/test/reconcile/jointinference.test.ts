/** reconcile(key) table of the JointInferenceService controller, in embedded and Kubernetes mode. */
import type { KubeObject } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import { JointInferenceController } from '../../src/controllers/jointinference/controller.js';
import { kubernetesAddressing } from '../../src/workers/addressing.js';
import { envOf, harness, lastStatus, model, node, object, template } from './harness.js';

const ji = () =>
  object('JointInferenceService', 'helmet', {
    spec: { edgeWorker: { model: { name: 'little' }, hardExampleMining: { name: 'IBT' }, template: template('edge-1', 'edge') }, cloudWorker: { model: { name: 'big' }, template: template('cloud', 'cloud') } },
  });
const world = [model('big'), model('little'), node('cloud', { role: 'cloud', address: '10.0.0.1' }), node('edge-1')];

describe('JointInferenceController.reconcile', () => {
  const cases: { name: string; objects: KubeObject[]; deployments: boolean; created: string[]; condition: string }[] = [
    { name: 'waits for a missing model', objects: [ji(), ...world.filter((o) => o.metadata.name !== 'big')], deployments: false, created: [], condition: 'Pending/ModelNotFound' },
    { name: 'waits for a node that does not exist yet', objects: [ji(), ...world.filter((o) => o.metadata.name !== 'cloud')], deployments: false, created: [], condition: 'Pending/NodeNotFound' },
    { name: 'embedded: a NodePort Service and a Pod per worker', objects: [ji(), ...world], deployments: false, created: ['Service helmet-cloud', 'Pod', 'Pod'], condition: 'Pending/WorkersStarting' },
    { name: 'kubernetes: a ClusterIP Service and a Deployment per worker', objects: [ji(), ...world], deployments: true, created: ['Service helmet-cloud', 'Deployment helmet-deployment-cloud', 'Deployment helmet-deployment-edge'], condition: 'Pending/WorkersStarting' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const h = harness(c.objects);
      const addressing = c.deployments ? () => kubernetesAddressing('http://localhost:9100') : h.addressing;
      await new JointInferenceController({ cache: h.cache, client: h.client, addressing, router: h.router, deployments: c.deployments }).reconcile('default/helmet');
      const created = h.client.writes().filter((w) => w.verb === 'create' && w.kind !== 'HorizontalPodAutoscaler');
      expect(created.map((w) => (w.kind === 'Pod' ? 'Pod' : `${w.kind} ${w.name}`))).toEqual(c.created);
      const last = (lastStatus(h.client, 'JointInferenceService') as { conditions: { type: string; reason: string }[] }).conditions.at(-1)!;
      expect(`${last.type}/${last.reason}`).toBe(c.condition);
    });
  }

  it('embedded: the edge worker calls the cloud worker at its node\'s address and node port', async () => {
    const h = harness([ji(), ...world]);
    await new JointInferenceController({ cache: h.cache, client: h.client, addressing: h.addressing, router: h.router, deployments: false }).reconcile('default/helmet');
    const service = h.client.writes('Service')[0]!.body!;
    const nodePort = (service['spec'] as { ports: { nodePort: number }[] }).ports[0]!.nodePort;
    const edge = h.client.writes('Pod').map((w) => w.body!).find((p) => (p['spec'] as { nodeName: string }).nodeName === 'edge-1')!;
    expect(envOf(edge)).toMatchObject({ BIG_MODEL_IP: '10.0.0.1', BIG_MODEL_PORT: String(nodePort), MODEL_URL: '/models/little', HEM_NAME: 'IBT', JOB_NAME: 'helmet' });
  });

  it('reports Running once both workers run, and writes nothing more on the next pass', async () => {
    const h = harness([ji(), ...world]);
    const controller = new JointInferenceController({ cache: h.cache, client: h.client, addressing: h.addressing, router: h.router, deployments: false });
    await controller.reconcile('default/helmet');
    for (const pod of h.cache.list('Pod')) h.cache.put({ ...pod, status: { phase: 'Running' } });
    await controller.reconcile('default/helmet');
    expect((lastStatus(h.client, 'JointInferenceService') as { conditions: { type: string }[] }).conditions.at(-1)!.type).toBe('Running');
    const writes = h.client.writes().length;
    await controller.reconcile('default/helmet');
    expect(h.client.writes()).toHaveLength(writes);
  });
});
