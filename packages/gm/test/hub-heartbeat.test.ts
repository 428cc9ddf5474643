import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, HubWorld, LcWorld, RawClient, tempDir, waitFor } from './hub-fixtures.js';

describe('hub node readiness', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('turns a node NotReady when its heartbeats stop, and Ready when they resume', async () => {
    const gm = await HubWorld.start(cleanup, { nodeGracePeriodMs: 300 });
    const lc = await RawClient.connect(cleanup, gm.url);
    lc.hello();
    await lc.nextFrame('the welcome', (frame) => frame.type === 'welcome');
    // The raw client sends no heartbeat; its socket stays open (it answers pings).
    await waitFor('NotReady', () => gm.lastReady('edge-1')?.ready === false);
    expect(gm.readiness).toEqual([
      { node: 'edge-1', ready: true, reason: 'NodeConnected' },
      { node: 'edge-1', ready: false, reason: 'HeartbeatTimeout' },
    ]);
    expect(lc.closed).toBeUndefined();
    lc.send({ type: 'heartbeat' });
    await waitFor('Ready again', () => gm.lastReady('edge-1')?.ready === true);
    expect(gm.lastReady('edge-1')?.reason).toBe('HeartbeatResumed');
  });

  it('turns a node NotReady when its connection closes, and Ready when the LC reconnects', async () => {
    const gm = await HubWorld.start(cleanup);
    const dir = tempDir(cleanup);
    const first = LcWorld.start(cleanup, gm.url, `${dir}/outbox.db`);
    await waitFor('Ready', () => gm.lastReady('edge-1')?.ready === true);
    await first.client.close();
    await waitFor('NotReady', () => gm.lastReady('edge-1')?.ready === false);
    expect(gm.lastReady('edge-1')?.reason).toBe('ConnectionClosed');
    LcWorld.start(cleanup, gm.url, `${dir}/outbox.db`);
    await waitFor('Ready again', () => gm.lastReady('edge-1')?.ready === true);
    expect(gm.readiness.map((event) => `${event.ready}:${event.reason}`)).toEqual(['true:NodeConnected', 'false:ConnectionClosed', 'true:NodeConnected']);
  });

  it('keeps a node with a live GmClient Ready past several grace periods', async () => {
    const grace = 1_000;
    const gm = await HubWorld.start(cleanup, { nodeGracePeriodMs: grace });
    LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`, undefined, { heartbeatMs: 50 });
    await waitFor('Ready', () => gm.lastReady('edge-1')?.ready === true);
    const connectedAt = Date.now();
    await waitFor('two grace periods of heartbeats', () => {
      const last = gm.hub.nodeInfo('edge-1')?.lastHeartbeatAt?.getTime() ?? 0;
      return last - connectedAt > 2 * grace;
    });
    expect(gm.readiness).toEqual([{ node: 'edge-1', ready: true, reason: 'NodeConnected' }]);
  });

  it('cuts a peer that stops answering websocket pings', async () => {
    const gm = await HubWorld.start(cleanup, { pingIntervalMs: 100 });
    const lc = await RawClient.connect(cleanup, gm.url, undefined, { autoPong: false });
    lc.hello();
    await lc.nextFrame('the welcome', (frame) => frame.type === 'welcome');
    await waitFor('the hub to cut the silent peer', () => gm.lastReady('edge-1')?.ready === false);
    expect(gm.lastReady('edge-1')?.reason).toBe('ConnectionClosed');
    expect(gm.logger.find('warn', 'answered no ping')).toBeDefined();
  });

  it('closes a connection that never says hello', async () => {
    const gm = await HubWorld.start(cleanup, { helloTimeoutMs: 200 });
    const lc = await RawClient.connect(cleanup, gm.url);
    await waitFor('the close', () => lc.closed);
    expect(lc.closed).toEqual({ code: 4001, reason: 'no hello frame within 200 ms' });
    expect(gm.readiness).toEqual([]);
  });
});
