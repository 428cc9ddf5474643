/**
 * The GM's writes are typed by kind: a body of another kind's shape, a field the kind does not have or a value of the
 * wrong type does not compile (`npm run lint` type-checks this file: each @ts-expect-error must meet an error).
 */
import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/runtime/cache.js';
import { RecordingClient } from '../src/runtime/recording-client.js';

describe('typed writes', () => {
  it('take the kind\'s input shape and return its stored type', async () => {
    const client = new RecordingClient(new MemoryCache());
    // A Service's spec is defaulted: a writer may leave it out; a Model needs its spec.
    const service = await client.create('Service', 'default', { metadata: { name: 'svc' } });
    expect(service.spec).toBeUndefined(); // (the recording client stores what it was given; the API server defaults it)
    const model = await client.create('Model', 'default', { metadata: { name: 'm' }, spec: { url: '/models/m.onnx', format: 'onnx' } });
    expect(model.spec.url).toBe('/models/m.onnx');
    await client.mergePatch('Model', 'default', 'm', { status: { updateTime: '2026-01-01T00:00:00Z' } }, 'status');
    await client.mergePatch('Model', 'default', 'm', { metadata: { annotations: { note: 'a' } } });

    // @ts-expect-error a Model has no `replicas`
    await client.create('Model', 'default', { metadata: { name: 'x' }, spec: { url: '/m', format: 'onnx', replicas: 2 } });
    // @ts-expect-error a Model needs its spec
    await client.create('Model', 'default', { metadata: { name: 'y' } }).catch(() => undefined);
    // @ts-expect-error a Dataset's nodeName is a string
    await client.mergePatch('Dataset', 'default', 'd', { spec: { nodeName: 3 } }).catch(() => undefined);
    // @ts-expect-error a Pod's status has no `conditons` (sic)
    await client.mergePatch('Pod', 'default', 'p', { status: { conditons: [] } }, 'status').catch(() => undefined);
    // @ts-expect-error not a kind the GM knows
    await client.get('Gadget', 'default', 'g').catch(() => undefined);
  });
});
