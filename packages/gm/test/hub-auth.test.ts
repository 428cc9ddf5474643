import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE_NAME_HEADER } from '@sedna/api';
import { Cleanup, HubWorld, LcWorld, RawClient, TOKEN, tempDir, waitFor } from './hub-fixtures.js';

describe('hub authentication', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('refuses a wrong or missing token at the upgrade with HTTP 401, before any websocket', async () => {
    const gm = await HubWorld.start(cleanup);
    await expect(RawClient.connect(cleanup, gm.url, { [NODE_NAME_HEADER]: 'edge-1', Authorization: 'Bearer wrong' })).rejects.toMatchObject({
      status: 401,
      body: 'invalid bearer token\n',
    });
    await expect(RawClient.connect(cleanup, gm.url, { [NODE_NAME_HEADER]: 'edge-1' })).rejects.toMatchObject({
      status: 401,
      body: expect.stringContaining('missing Authorization'),
    });
    expect(gm.hellos).toEqual([]);
    expect(gm.hub.connectedNodes()).toEqual([]);
    expect(gm.logger.find('warn', 'invalid bearer token')).toBeDefined();
  });

  it('refuses a missing or invalid Node-Name with HTTP 400', async () => {
    const gm = await HubWorld.start(cleanup);
    await expect(RawClient.connect(cleanup, gm.url, { Authorization: `Bearer ${TOKEN}` })).rejects.toMatchObject({ status: 400 });
    await expect(RawClient.connect(cleanup, gm.url, { [NODE_NAME_HEADER]: 'Not_A_Name', Authorization: `Bearer ${TOKEN}` })).rejects.toMatchObject({
      status: 400,
      body: expect.stringContaining('invalid Node-Name header'),
    });
  });

  it('attaches to a shared HTTP server at its path and leaves the server running when it closes', async () => {
    const server = createServer((_req, res) => res.end('api'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.add(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as AddressInfo).port;
    const gm = await HubWorld.start(cleanup, { server, path: '/sedna' });
    const lc = LcWorld.start(cleanup, `ws://127.0.0.1:${port}/sedna`, `${tempDir(cleanup)}/outbox.db`);
    await waitFor('the resync', () => lc.resyncs === 1);
    await lc.client.close();
    await gm.hub.close();
    expect(server.listening).toBe(true);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('api');
  });

  it('keeps an LC with a wrong token out, logging the refusal, while it keeps retrying', async () => {
    const gm = await HubWorld.start(cleanup);
    const lc = LcWorld.start(cleanup, gm.url, `${tempDir(cleanup)}/outbox.db`, undefined, { token: 'not-the-token' });
    await waitFor('two refusals logged by the LC', () => lc.logger.entries.filter((entry) => entry.message === 'the GM refused the connection').length >= 2);
    expect(lc.logger.find('error', 'invalid bearer token')).toBeDefined();
    expect(lc.client.connected).toBe(false);
    expect(gm.hellos).toEqual([]);
  });
});
