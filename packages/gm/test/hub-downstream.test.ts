import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, type DownstreamMessage } from '@sedna/api';
import { Cleanup, HubWorld, LcWorld, RawClient, datasetMessage, tempDir, waitFor } from './hub-fixtures.js';

describe('hub hello and resync', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('registers the node from its hello and sends it everything it should hold', async () => {
    const gm = await HubWorld.start(cleanup);
    gm.put('edge-1', datasetMessage('a'));
    gm.put('edge-1', datasetMessage('b'));
    gm.put('edge-2', datasetMessage('other-node'));
    const lc = LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`);

    await waitFor('the resync', () => lc.resyncs === 1);
    expect(lc.names()).toEqual(['a', 'b']);
    expect(lc.client.connected).toBe(true);
    expect(gm.hub.connectedNodes()).toEqual(['edge-1']);
    expect(gm.hellos).toEqual([
      { name: 'edge-1', version: '0.1.0-test', labels: { 'sedna.io/role': 'edge' }, addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] },
    ]);
    expect(gm.readiness).toEqual([{ node: 'edge-1', ready: true, reason: 'NodeConnected' }]);
  });

  it('drops on the LC the objects removed while it was away', async () => {
    const gm = await HubWorld.start(cleanup);
    const dir = tempDir(cleanup);
    const [a, b] = [datasetMessage('a'), datasetMessage('b')];
    gm.put('edge-1', a);
    gm.put('edge-1', b);
    const first = LcWorld.start(cleanup, gm.url, `${dir}/outbox.db`);
    await waitFor('the first resync', () => first.resyncs === 1);
    await first.client.close();
    await waitFor('the hub to see the LC gone', () => gm.hub.connectedNodes().length === 0);

    // While the LC is away, `a` is deleted and `c` is created; the sends go nowhere.
    gm.forget('edge-1', a);
    expect(gm.hub.send('edge-1', datasetMessage('a', 'delete'))).toBe(false);
    expect(gm.put('edge-1', datasetMessage('c'))).toBe(false);

    // The LC restarts with its local store.
    const second = LcWorld.start(cleanup, gm.url, `${dir}/outbox.db`, first.store);
    await waitFor('the second resync', () => second.resyncs === 1);
    expect(second.names()).toEqual(['b', 'c']);
    expect(second.received).toEqual([]);
  });

  it('lets a second connection of a node replace the first', async () => {
    const gm = await HubWorld.start(cleanup);
    const first = await RawClient.connect(cleanup, gm.url);
    first.hello();
    await first.nextFrame('the first welcome', (frame) => frame.type === 'welcome');
    const second = await RawClient.connect(cleanup, gm.url);
    await waitFor('the first connection closed', () => first.closed);
    expect(first.closed).toEqual({ code: CloseCode.Replaced, reason: 'replaced by a newer connection of the same node' });
    second.hello();
    await second.nextFrame('the second resync end', (frame) => frame.type === 'resync-end');
    expect(gm.hub.connectedNodes()).toEqual(['edge-1']);
    // The replaced connection closing does not make the node NotReady.
    expect(gm.readiness).toEqual([{ node: 'edge-1', ready: true, reason: 'NodeConnected' }]);
  });
});

describe('hub downstream delivery', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('delivers inserts, updates and deletes in order', async () => {
    const gm = await HubWorld.start(cleanup);
    const lc = LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`);
    await waitFor('the resync', () => lc.resyncs === 1);
    gm.put('edge-1', datasetMessage('a'));
    await waitFor('the insert', () => lc.received.length === 1);
    gm.put('edge-1', datasetMessage('a', 'update', { url: '/v2' }));
    await waitFor('the update', () => lc.received.length === 2);
    gm.hub.send('edge-1', datasetMessage('a', 'delete'));
    await waitFor('the delete', () => lc.received.length === 3);
    expect(lc.received.map((m) => m.header.operation)).toEqual(['insert', 'update', 'delete']);
    expect(lc.store.size).toBe(0);
  });

  it('coalesces updates of one object not yet written: only the latest goes out', async () => {
    const gm = await HubWorld.start(cleanup);
    const lc = LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`);
    await waitFor('the resync', () => lc.resyncs === 1);

    // A burst in one tick: nothing is written until the tick ends.
    for (let version = 1; version <= 100; version++) gm.put('edge-1', datasetMessage('a', 'update', { version }));
    gm.put('edge-1', datasetMessage('b'));
    await waitFor('b', () => lc.store.has('dataset/default/b'));
    expect(lc.received.map((m) => [m.header.resourceName, (m.content.spec as { version?: number }).version])).toEqual([
      ['a', 100],
      ['b', undefined],
    ]);
  });

  it('holds messages sent during the resync and coalesces them after it', async () => {
    let releaseResync!: () => void;
    const resyncGate = new Promise<void>((resolve) => (releaseResync = resolve));
    let resyncCalled = false;
    const gm = await HubWorld.start(cleanup, {}, {
      resyncFor: async () => {
        resyncCalled = true;
        await resyncGate;
        return [datasetMessage('a', 'insert', { version: 0 })];
      },
    });
    const lc = LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`);
    await waitFor('the resync to start', () => resyncCalled);
    const updates: DownstreamMessage[] = [1, 2, 3].map((version) => datasetMessage('a', 'update', { version }));
    for (const update of updates) {
      expect(gm.hub.send('edge-1', update)).toBe(true);
      await new Promise((resolve) => setImmediate(resolve)); // separate ticks: only the resync holds them back
    }
    expect(gm.hub.nodeInfo('edge-1')?.queuedDownstream).toBe(1);
    releaseResync();
    await waitFor('the held update', () => lc.received.length === 1);
    expect(lc.resyncs).toBe(1);
    expect(lc.received[0]!.content.spec).toEqual({ version: 3 });
    expect(lc.store.get('dataset/default/a')!.content.spec).toEqual({ version: 3 });
  });

  it('refuses an invalid or oversized downstream message with an error naming it', async () => {
    const gm = await HubWorld.start(cleanup, { maxFrameBytes: 1024 });
    const bad = { ...datasetMessage('a'), header: { ...datasetMessage('a').header, resourceKind: 'Dataset' } };
    expect(() => gm.hub.send('edge-1', bad)).toThrow(/header\.resourceKind/);
    expect(() => gm.hub.send('edge-1', datasetMessage('a', 'insert', { blob: 'x'.repeat(2000) }))).toThrow(/dataset\/default\/a is \d+ bytes, over the 1024-byte frame limit/);
  });
});
