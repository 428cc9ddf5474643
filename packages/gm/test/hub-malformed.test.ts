import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '@sedna/api';
import { Cleanup, HubWorld, RawClient, statusMessage, waitFor } from './hub-fixtures.js';

describe('hub and malformed frames', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('answers each malformed frame with an error naming the problem, logs it, and keeps the connection', async () => {
    const gm = await HubWorld.start(cleanup);
    const lc = await RawClient.connect(cleanup, gm.url);
    const errors = async (count: number) => {
      await waitFor(`${count} error frames`, () => lc.framesOfType('error').length >= count);
      return lc.framesOfType('error').map((frame) => [frame.code, frame.message]);
    };

    lc.send('{"type": "hello",');
    lc.send('"just a string"');
    lc.send({ type: 'subscribe' });
    lc.send({ type: 'hello', protocol: 1, node: { version: '1' } });
    lc.send({ type: 'heartbeat' });
    lc.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const received = await errors(6);
    expect(received.map(([code]) => code)).toEqual(['BadJson', 'NotAnObject', 'UnknownFrameType', 'InvalidFrame', 'UnexpectedFrame', 'BinaryFrame']);
    expect(received[2]![1]).toContain('unknown frame type "subscribe"');
    expect(received[3]![1]).toContain('node.name: Required value');
    expect(received[3]![1]).toContain('outboxEpoch: Required value');
    expect(received[4]![1]).toContain('before hello');
    expect(gm.logger.entries.filter((entry) => entry.message === 'malformed frame from node')).toHaveLength(6);

    // Still the same connection: the hello now works, and so does an upstream message.
    lc.hello();
    await lc.nextFrame('the welcome', (frame) => frame.type === 'welcome');
    lc.send({ type: 'upstream', id: 1, message: statusMessage('ds', 7) });
    await lc.nextFrame('the ack', (frame) => frame.type === 'ack' && frame.id === 1);

    lc.send({ type: 'hello', protocol: 1, node: { name: 'edge-1', version: '1' }, outboxEpoch: 'x' });
    lc.send({ type: 'upstream', id: 'two', message: {} });
    const later = await errors(8);
    expect(later.slice(6).map(([code]) => code)).toEqual(['UnexpectedFrame', 'InvalidFrame']);
    expect(lc.closed).toBeUndefined();
    expect(gm.upstream.map((entry) => entry.message)).toEqual([statusMessage('ds', 7)]);
  });

  it('answers a well-framed upstream message that is invalid with a negative ack by its id', async () => {
    const gm = await HubWorld.start(cleanup);
    const lc = await RawClient.connect(cleanup, gm.url);
    lc.hello();
    await lc.nextFrame('the welcome', (frame) => frame.type === 'welcome');
    lc.send({ type: 'upstream', id: 1, message: { header: { namespace: 'default', resourceKind: 'dataset', resourceName: 'ds', operation: 'insert' }, content: 'e30=' } });
    const nack = await lc.nextFrame('the nack', (frame) => frame.type === 'nack');
    expect(nack.id).toBe(1);
    expect(nack.reason).toContain('header.operation: Unsupported value: "insert"');
    expect(nack.reason).toContain('content: Invalid value');
    expect(gm.upstream).toEqual([]);
  });

  it('refuses a hello naming another node than the Node-Name header', async () => {
    const gm = await HubWorld.start(cleanup);
    const lc = await RawClient.connect(cleanup, gm.url);
    lc.hello('edge-2');
    await waitFor('the close', () => lc.closed);
    expect(lc.framesOfType('error')[0]).toMatchObject({ code: 'NodeNameMismatch' });
    expect(lc.closed).toEqual({ code: CloseCode.HelloRejected, reason: 'node name mismatch' });
    expect(gm.hellos).toEqual([]);
  });

  it('closes with 1009 on a frame over the size limit, and survives it', async () => {
    const gm = await HubWorld.start(cleanup, { maxFrameBytes: 64 * 1024 });
    const big = await RawClient.connect(cleanup, gm.url);
    big.send('x'.repeat(64 * 1024 + 1));
    await waitFor('the close', () => big.closed);
    expect(big.closed?.code).toBe(CloseCode.MessageTooBig);
    expect(gm.logger.find('warn', 'frame larger than the limit')).toBeDefined();

    const next = await RawClient.connect(cleanup, gm.url);
    next.hello();
    await next.nextFrame('the welcome', (frame) => frame.type === 'welcome');
  });
});
