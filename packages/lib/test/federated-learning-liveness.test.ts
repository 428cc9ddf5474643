/**
 * Connections that go quiet without closing (a lost network): the aggregator drops a worker that answers none of its
 * pings, and a worker drops an aggregator it hears nothing from, so that it reconnects.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { AggregationServer, AggregatorConnection } from '../src/core/federated_learning/index.js';
import { waitFor } from './helpers/wait.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('liveness', () => {
  it('the aggregator drops a worker that answers none of four pings', async () => {
    const logs: string[] = [];
    const server = new AggregationServer({ aggregation: 'FedAvg', participantsCount: 1, exitRound: 1, host: '127.0.0.1', port: 0, pingIntervalMs: 30, log: (line) => logs.push(line) });
    cleanups.push(() => server.stop());
    const { port } = await server.start();
    const mute = new WebSocket(`ws://127.0.0.1:${port}/FedAvg`, { autoPong: false });
    cleanups.push(() => mute.terminate());
    await new Promise((resolve) => mute.once('open', resolve));
    mute.send(JSON.stringify({ type: 'subscribe', client_id: 'mute' }));
    await waitFor('the worker to join', () => server.status().connected.includes('mute'));
    await waitFor('the worker to be dropped', () => server.status().connected.length === 0, 10_000);
    expect(logs.some((line) => /dropping of worker "mute": no answer to the last 4 pings/.test(line))).toBe(true);
  });

  it('a worker drops an aggregator that goes silent', async () => {
    // A stand-in aggregator that acknowledges the subscription and then neither sends nor pings.
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    cleanups.push(() => silent.clients.forEach((client) => client.terminate()));
    await new Promise((resolve) => silent.once('listening', resolve));
    silent.on('connection', (socket) => socket.once('message', (data: Buffer) => socket.send(data.toString())));
    const connection = await AggregatorConnection.open({ url: `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/FedAvg`, clientId: 'edge', idleTimeoutMs: 200 });
    cleanups.push(() => connection.terminate());
    const message = await connection.next();
    expect(message.kind).toBe('closed');
    expect(message.kind === 'closed' && message.error.message).toMatch(/nothing from the aggregator for 0.2 s/);
  });
});
