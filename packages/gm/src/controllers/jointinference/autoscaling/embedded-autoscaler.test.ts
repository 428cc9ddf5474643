import type { KubeObject } from '@sedna/api';
import type { ObjectOf } from '../../../runtime/kinds.js';
import { parseExposition, type Exposition } from '@sedna/metrics';
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../runtime/client.js';
import { EmbeddedAutoscaler } from './embedded-autoscaler.js';
import type { HpaSpec } from './hpa-object.js';
import { readMetricSpecs } from './metric-specs.js';

/** A client that keeps the events recorded through it. */
function recordingClient(): { client: KubeClient; events: { reason: string; type: string; message: string }[] } {
  const events: { reason: string; type: string; message: string }[] = [];
  const client = {
    create: async (_kind: string, _ns: string, body: Record<string, unknown>) => {
      events.push({ reason: String(body['reason']), type: String(body['type']), message: String(body['message']) });
      return { ...body, metadata: { name: `e${events.length}`, namespace: 'default' } };
    },
    mergePatch: async () => ({}),
  } as unknown as KubeClient;
  return { client, events };
}

const owner = { metadata: { namespace: 'default', name: 'ji', uid: 'u1' } } as unknown as KubeObject;
const pod = (name: string, requests?: Record<string, string>): ObjectOf<'Pod'> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'default', name, uid: `uid-${name}` }, spec: { containers: [{ name: 'c', ...(requests ? { resources: { requests } } : {}) }] } });
const counter = (total: number, cpu = 0): Exposition => parseExposition(`# TYPE requests_total counter\nrequests_total{result="ok"} ${total}\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ${cpu}\n`);

const pods: HpaSpec = {
  minReplicas: 1,
  maxReplicas: 4,
  metrics: [{ type: 'Pods', pods: { metric: { name: 'requests_total' }, target: { type: 'AverageValue', averageValue: '10' } } }],
  behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
};

describe('the embedded autoscaler', () => {
  it('scales on a counter\'s rate per pod, once per sync period, and records the rescale', async () => {
    let t = 0;
    const totals = new Map<string, number>([['a', 0]]);
    const { client, events } = recordingClient();
    const scaler = new EmbeddedAutoscaler(async (p) => counter(totals.get(p.metadata.name!) ?? 0), client, 1000, () => t);
    const running = [pod('a')];
    expect(await scaler.replicas(owner, 'cloud', pods, running, 1)).toEqual({ replicas: 1, nextSyncInMs: 1000 }); // first reading
    t = 500;
    expect((await scaler.replicas(owner, 'cloud', pods, running, 1)).nextSyncInMs).toBe(500); // not due yet
    t = 1000;
    totals.set('a', 35); // 35 requests in 1 s against a target of 10 per pod
    expect((await scaler.replicas(owner, 'cloud', pods, running, 1)).replicas).toBe(4);
    expect(events).toEqual([{ type: 'Normal', reason: 'SuccessfulRescale', message: "New size: 4; reason: the cloud worker's pods metric requests_total above target (average 35.0)" }]);
    // Four pods at 2 requests a second each: 8 / 10 of the target, down to one (no stabilization window here).
    const four = ['a', 'b', 'c', 'd'].map((n) => pod(n));
    t = 2000;
    totals.set('a', 45); // at the target; the new pods' first readings give no rate yet: nothing changes
    for (const n of ['b', 'c', 'd']) totals.set(n, 0);
    expect((await scaler.replicas(owner, 'cloud', pods, four, 4)).replicas).toBe(4);
    t = 3000;
    for (const n of ['a', 'b', 'c', 'd']) totals.set(n, (totals.get(n) ?? 0) + 2);
    expect((await scaler.replicas(owner, 'cloud', pods, four, 4)).replicas).toBe(1);
    expect(events.at(-1)!.message).toMatch(/^New size: 1; reason: .* below target \(average 2\.00\)/);
  });

  it('reads CPU utilization against the requests, and warns once about what it cannot use', async () => {
    let t = 0;
    const cpu = new Map<string, number>([['a', 0]]);
    const { client, events } = recordingClient();
    const scaler = new EmbeddedAutoscaler(async (p) => counter(0, cpu.get(p.metadata.name!) ?? 0), client, 1000, () => t);
    const hpa: HpaSpec = { maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }, { type: 'External', external: {} }] };
    const running = [pod('a', { cpu: '200m' })];
    await scaler.replicas(owner, 'cloud', hpa, running, 1);
    t = 1000;
    cpu.set('a', 0.2); // 0.2 cores: 100 % of the 200m request, twice the target
    expect((await scaler.replicas(owner, 'cloud', hpa, running, 1)).replicas).toBe(2);
    t = 2000;
    cpu.set('a', 0.4);
    await scaler.replicas(owner, 'cloud', hpa, running, 2);
    expect(events.filter((e) => e.type === 'Warning')).toEqual([{ type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: expect.stringContaining('hpa.metrics[1].type: "External" is not available in embedded mode') }]);
    // Without requests a utilization target cannot be computed: the replicas stay and the reason is given.
    const bare = [pod('x')];
    const other = { metadata: { namespace: 'default', name: 'other', uid: 'u2' } } as unknown as KubeObject;
    await scaler.replicas(other, 'cloud', { maxReplicas: 3 }, bare, 1);
    t = 3000;
    expect((await scaler.replicas(other, 'cloud', { maxReplicas: 3 }, bare, 1)).replicas).toBe(1);
    expect(events.at(-1)!.message).toContain('needs resources.requests.cpu');
  });

  it('keeps the replicas when no pod gives a value, and starts from the pods after a restart', async () => {
    const { client } = recordingClient();
    let t = 0;
    const scaler = new EmbeddedAutoscaler(async () => Promise.reject(new Error('no metrics yet')), client, 1000, () => t);
    expect((await scaler.replicas(owner, 'edge', pods, [pod('a'), pod('b')], 3)).replicas).toBe(3);
    t = 1000;
    expect((await scaler.replicas(owner, 'edge', pods, [pod('a'), pod('b')], 3)).replicas).toBe(3);
    expect((await scaler.replicas(owner, 'edge', { ...pods, maxReplicas: 2 }, [], 3)).replicas).toBe(2); // new limits
  });
});

describe('readMetricSpecs', () => {
  it('takes Pods and Resource metrics, defaults to CPU at 80 %, and names what it refuses', () => {
    expect(readMetricSpecs(undefined).metrics).toEqual([{ type: 'Resource', resource: 'cpu', targetUtilization: 80 }]);
    const read = readMetricSpecs([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '64Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'x' }, target: { type: 'Utilization' } } },
      { type: 'Resource', resource: { name: 'gpu', target: {} } },
    ]);
    expect(read.metrics).toEqual([{ type: 'Resource', resource: 'memory', targetAverage: 64 * 2 ** 20 }]);
    expect(read.problems).toEqual(['hpa.metrics[1].pods.target: Pods metrics take type AverageValue with a positive averageValue', 'hpa.metrics[2].resource.name: cpu or memory, got "gpu"']);
  });
});
