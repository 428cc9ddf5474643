import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, HubWorld, LcWorld, TOKEN, statusMessage, tempDir, waitFor } from './hub-fixtures.js';

const samples = (gm: HubWorld) => gm.upstream.map((entry) => entry.message.content.numberOfSamples);

/** A hub whose upstream handler holds every message until `releaseHandler()`, then records it. */
async function gatedHub(cleanup: Cleanup): Promise<{ gm: HubWorld; releaseHandler: () => void }> {
  let releaseHandler!: () => void;
  const handlerGate = new Promise<void>((resolve) => (releaseHandler = resolve));
  const gm = await HubWorld.start(cleanup, {}, {
    onUpstream: async (node, message, meta) => {
      await handlerGate;
      gm.upstream.push({ node, message, meta });
    },
  });
  return { gm, releaseHandler };
}

describe('hub upstream delivery', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('acknowledges a message once the handler applied it, and the LC removes it from its outbox', async () => {
    const { gm, releaseHandler } = await gatedHub(cleanup);
    const lc = LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`);
    await waitFor('the connection', () => lc.client.connected);
    await lc.client.sendUpstream(statusMessage('ds', 1));
    await waitFor('the message at the hub', () => gm.hub.nodeInfo('edge-1')?.pendingUpstream === 1);
    // Not yet applied, so not acknowledged: still in the outbox.
    expect(lc.client.pendingUpstream()).toBe(1);
    releaseHandler();
    await waitFor('the outbox to empty', () => lc.client.pendingUpstream() === 0);
    expect(gm.upstream).toEqual([{ node: 'edge-1', message: statusMessage('ds', 1), meta: { id: 1, outboxEpoch: lc.client.outboxEpoch } }]);
  });

  it('answers a handler error with a negative ack: the LC logs it, drops the message and goes on', async () => {
    const gm = await HubWorld.start(cleanup, {}, {
      onUpstream: async (node, message, meta) => {
        if (message.content.numberOfSamples === 2) throw new Error('dataset ds has no status subresource');
        gm.upstream.push({ node, message, meta });
      },
    });
    const lc = LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`);
    for (const n of [1, 2, 3]) await lc.client.sendUpstream(statusMessage('ds', n));
    await waitFor('the outbox to empty', () => lc.client.pendingUpstream() === 0);
    expect(samples(gm)).toEqual([1, 3]);
    expect(lc.logger.find('error', 'dataset ds has no status subresource')).toBeDefined();
    expect(gm.logger.find('warn', 'negative ack')).toBeDefined();
  });

  it('refuses an invalid upstream message before it reaches the outbox', async () => {
    const gm = await HubWorld.start(cleanup);
    const lc = LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`);
    const insert = { ...statusMessage('ds', 1), header: { ...statusMessage('ds', 1).header, operation: 'insert' } };
    await expect(lc.client.sendUpstream(insert as never)).rejects.toThrow(/header\.operation: Unsupported value: "insert"/);
    expect(lc.client.pendingUpstream()).toBe(0);
  });

  it('keeps messages through a GM outage and delivers them once, in order, to the GM that comes back', async () => {
    const first = await HubWorld.start(cleanup);
    const port = first.port;
    const lc = LcWorld.start(cleanup, first.url, `${tempDir(cleanup)}/outbox.db`);
    await lc.client.sendUpstream(statusMessage('ds', 1));
    await waitFor('the first message acknowledged', () => lc.client.pendingUpstream() === 0);
    await first.hub.close();
    await waitFor('the LC to notice', () => !lc.client.connected);

    for (let n = 2; n <= 21; n++) await lc.client.sendUpstream(statusMessage('ds', n));
    expect(lc.client.pendingUpstream()).toBe(20);

    const second = await HubWorld.start(cleanup, { port });
    await waitFor('the outbox to empty', () => lc.client.pendingUpstream() === 0);
    expect(samples(first)).toEqual([1]);
    expect(samples(second)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(second.upstream.map((entry) => entry.meta.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  });

  it('sends the messages a killed LC left unacknowledged, applying each once', async () => {
    let releaseHandler!: () => void;
    const handlerGate = new Promise<void>((resolve) => (releaseHandler = resolve));
    let handlerCalls = 0;
    const gm = await HubWorld.start(cleanup, {}, {
      onUpstream: async (node, message, meta) => {
        handlerCalls++;
        await handlerGate;
        gm.upstream.push({ node, message, meta });
      },
    });
    const outboxPath = `${tempDir(cleanup)}/outbox.db`;
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL('./hub-lc-child.ts', import.meta.url)), gm.url, TOKEN, outboxPath, '5'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanup.add(() => child.kill('SIGKILL'));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor('the child to queue its messages', () => stdout.includes('queued'));
    await waitFor('the first message in the handler', () => handlerCalls === 1);

    // Killed while its messages wait for the handler: no acknowledgement reached it.
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await waitFor('the hub to see the LC gone', () => gm.lastReady('edge-1')?.ready === false);
    releaseHandler();

    const lc = LcWorld.start(cleanup, gm.url, outboxPath);
    expect(lc.client.pendingUpstream()).toBe(5);
    await waitFor('the outbox to empty', () => lc.client.pendingUpstream() === 0);
    expect(samples(gm)).toEqual([1, 2, 3, 4, 5]);
    // The resent messages the hub had already applied are acknowledged without a second application.
    expect(handlerCalls).toBe(5);
  });
});

describe('hub shutdown', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('lets a handler in progress finish and acknowledges it before closing', async () => {
    const { gm, releaseHandler } = await gatedHub(cleanup);
    const lc = LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`);
    await lc.client.sendUpstream(statusMessage('ds', 1));
    await waitFor('the message in the handler', () => gm.hub.nodeInfo('edge-1')?.pendingUpstream === 1);
    const closed = gm.hub.close();
    releaseHandler();
    await closed;
    expect(samples(gm)).toEqual([1]);
    await waitFor('the acknowledgement to reach the LC', () => lc.client.pendingUpstream() === 0);
    expect(gm.readiness).toEqual([{ node: 'edge-1', ready: true, reason: 'NodeConnected' }]);
  });
});
