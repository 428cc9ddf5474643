import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

import type { WeightTensor } from '../src/core/estimator.js';
import { WSTransmitter, WeightsCodecError } from '../src/transmitter/index.js';

function tensor(name: string, shape: number[], fill: (i: number) => number): WeightTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return { name, shape, data: Float32Array.from({ length: size }, (_, i) => fill(i)) };
}

describe('WebSocket transmitter over loopback', () => {
  let server: WebSocketServer;
  let url: string;
  let accepted: Promise<WSTransmitter>;

  beforeEach(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 512 * 1024 * 1024 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/FedAvg`;
    accepted = new Promise((resolve) => server.once('connection', (socket) => resolve(new WSTransmitter(socket, 'client'))));
  });
  afterEach(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  it('carries weights as binary frames and control messages as text, both ways', async () => {
    const client = await WSTransmitter.connect(url);
    const peer = await accepted;
    await client.sendControl({ type: 'subscribe', client_id: 'edge-1' });
    const weights = [tensor('w', [256, 1024], (i) => Math.sin(i)), tensor('b', [1024], (i) => i / 7)];
    await client.send({ weights, meta: { type: 'update_weight', num_samples: 120 } });

    expect(await peer.recv()).toEqual({ kind: 'control', data: { type: 'subscribe', client_id: 'edge-1' } });
    const update = await peer.recvWeights();
    expect(update.meta).toEqual({ type: 'update_weight', num_samples: 120 });
    expect(update.weights.map((w) => w.shape)).toEqual([[256, 1024], [1024]]);
    const sent = weights[0]?.data ?? new Float32Array(0);
    const received = update.weights[0]?.data ?? new Float32Array(1);
    expect(Buffer.from(received.buffer, received.byteOffset, received.byteLength).equals(Buffer.from(sent.buffer))).toBe(true);

    // the server answers with aggregated weights
    await peer.send({ weights: update.weights.map((w) => ({ ...w, data: w.data.map((v) => v * 2) })), meta: { type: 'recv_weight', round_number: 1 } });
    const answer = await client.recvWeights({ timeoutMs: 10_000 });
    expect(answer.meta?.round_number).toBe(1);
    expect(answer.weights[1]?.data[7]).toBeCloseTo(2);
    await client.close();
  });

  it('sends binary frames, never JSON arrays of floats', async () => {
    const raw = new WebSocket(url);
    const frames: { binary: boolean; size: number }[] = [];
    const got = new Promise<void>((resolve) =>
      raw.on('message', (data: Buffer, isBinary: boolean) => {
        frames.push({ binary: isBinary, size: data.length });
        resolve();
      }),
    );
    await new Promise((resolve) => raw.once('open', resolve));
    const peer = await accepted;
    await peer.send({ weights: [tensor('w', [1000], () => 0.1)] });
    await got;
    expect(frames[0]?.binary).toBe(true);
    expect(frames[0]?.size).toBeLessThan(4100); // 4000 bytes of floats plus a small header
    raw.close();
  });

  it('rejects a corrupt frame with the reason and keeps the connection usable', async () => {
    const raw = new WebSocket(url);
    await new Promise((resolve) => raw.once('open', resolve));
    const peer = await accepted;
    raw.send(Buffer.from('not weights at all'), { binary: true });
    raw.send('{not json', { binary: false });
    raw.send(Buffer.from(new Uint8Array(0)), { binary: true });
    const first = peer.recv();
    await expect(first).rejects.toThrow(/frame 1 from client \(binary, 18 bytes\) is invalid: not a weights message/);
    await expect(first.catch((e: Error) => e.cause)).resolves.toBeInstanceOf(WeightsCodecError);
    await expect(peer.recv()).rejects.toThrow(/frame 2 from client \(text, 9 bytes\) is invalid/);
    await expect(peer.recv()).rejects.toThrow(/truncated: the header/);
    raw.send(JSON.stringify({ type: 'still here' }));
    expect(await peer.recv()).toEqual({ kind: 'control', data: { type: 'still here' } });
    raw.close();
  });

  it('fails pending and later receives when the peer closes, and times out when asked', async () => {
    const client = await WSTransmitter.connect(url);
    const peer = await accepted;
    await expect(client.recv({ timeoutMs: 50 })).rejects.toThrow(/no frame from ws:.* within 50 ms/);
    const pending = expect(client.recv()).rejects.toThrow(/closed \(code 1001: aggregator going away\)/);
    await peer.close(1001, 'aggregator going away');
    await pending;
    await expect(client.recv()).rejects.toThrow(/closed/);
    await expect(client.send({ weights: [] })).rejects.toThrow(/closed/);
  });

  it('names the URL when it cannot connect', async () => {
    await expect(WSTransmitter.connect('ws://127.0.0.1:1/FedAvg', { timeoutMs: 2000 })).rejects.toThrow(/cannot connect to ws:\/\/127\.0\.0\.1:1\/FedAvg/);
  });
});
