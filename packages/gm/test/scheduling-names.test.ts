/** Pure parts of issue 13's controllers: names within Kubernetes' limits, node fit, pod problems. */
import type { ObjectOf } from '../src/runtime/kinds.js';
import { checkDns1123Label, checkLabelValue } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import { misfit, unschedulableMessage } from '../src/controllers/scheduler/node-fit.js';
import { fitName, nameLabelValue, serviceName } from '../src/workers/names.js';
import { podProblem } from '../src/workers/pod-problem.js';

const node = (name: string, labels: Record<string, string>, ready = true): ObjectOf<'Node'> => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pod = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): ObjectOf<'Pod'> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }], ...spec }, status }) as ObjectOf<'Pod'>;

describe('names', () => {
  it("keeps the original's name when it fits, else a prefix and a hash of the whole", () => {
    expect(serviceName('short', 'cloud')).toBe('short-cloud');
    const long = `${'a'.repeat(60)}-b`;
    const name = serviceName(long, 'cloud');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(checkDns1123Label(name)).toBeUndefined();
    expect(name).not.toBe(serviceName(`${'a'.repeat(60)}-c`, 'cloud'));
    expect(checkLabelValue(nameLabelValue('x'.repeat(200)))).toBeUndefined();
    expect(fitName('abcdef', 4)).toMatch(/^[0-9a-f]{4}$/);
    expect(fitName('abcdefghijklmnop-', 14)).toMatch(/^abc-[0-9a-f]{10}$/);
  });
});

describe('node fit', () => {
  it('needs a Ready node matching nodeSelector and the required node affinity terms', () => {
    const edge = node('edge-1', { 'sedna.io/role': 'edge', zone: 'a' });
    expect(misfit(pod({ nodeSelector: { 'sedna.io/role': 'edge' } }), edge)).toBeUndefined();
    expect(misfit(pod({ nodeSelector: { 'sedna.io/role': 'cloud' } }), edge)).toBe('Selector');
    expect(misfit(pod({}), node('down', {}, false))).toBe('NotReady');
    const affinity = (operator: string, values: string[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator, values }] }] } } } });
    expect(misfit(pod(affinity('In', ['a', 'b'])), edge)).toBeUndefined();
    expect(misfit(pod(affinity('NotIn', ['a'])), edge)).toBe('Selector');
    expect(unschedulableMessage(3, ['Selector', 'Selector', 'NotReady'])).toBe("0/3 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.");
  });
});

describe('pod problems', () => {
  it("takes a container's waiting reason, or the scheduler's, but not the normal ContainerCreating", () => {
    expect(podProblem(pod({}, { containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] }))).toBeUndefined();
    expect(podProblem(pod({}, { containerStatuses: [{ name: 'c', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } } }] }))).toEqual({ reason: 'CrashLoopBackOff', message: 'back-off 10s' });
    expect(podProblem(pod({}, { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes' }] }))).toEqual({ reason: 'Unschedulable', message: '0/2 nodes' });
  });
});
