import { describe, expect, it } from 'vitest';
import { encodeFrame, parseGmFrame, parseLcFrame } from './frames.js';
import { checkDownstreamMessage, checkUpstreamMessage, messageKey } from './message.js';

const dataset = {
  header: { namespace: 'default', resourceKind: 'dataset', resourceName: 'ds-1', operation: 'insert' },
  content: { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: 'ds-1' } },
};

describe('wire frames', () => {
  it('parses a hello with defaults and prunes unknown keys', () => {
    const result = parseLcFrame(
      encodeFrame({ type: 'hello', protocol: 1, node: { name: 'edge-1', version: '0.1.0' }, outboxEpoch: 'e1', future: 1 } as never),
    );
    expect(result).toEqual({
      ok: true,
      frame: { type: 'hello', protocol: 1, node: { name: 'edge-1', addresses: [], labels: {}, version: '0.1.0' }, outboxEpoch: 'e1' },
    });
  });

  it('names the problem of a malformed frame', () => {
    expect(parseLcFrame('{nope')).toMatchObject({ ok: false, code: 'BadJson' });
    expect(parseLcFrame('[1]')).toMatchObject({ ok: false, code: 'NotAnObject' });
    expect(parseLcFrame('{"type":"bogus"}')).toMatchObject({ ok: false, code: 'UnknownFrameType' });
    expect(parseLcFrame('{"kind":"hello"}')).toMatchObject({ ok: false, code: 'InvalidFrame', message: 'frame has no string field "type"' });
    const missing = parseLcFrame('{"type":"upstream","id":0}');
    expect(missing).toMatchObject({ ok: false, code: 'InvalidFrame' });
    expect(missing.ok ? '' : missing.message).toContain('id: Invalid value: 0');
    expect(missing.ok ? '' : missing.message).toContain('message: Required value');
  });

  it('keeps GM frames apart from LC frames', () => {
    expect(parseGmFrame('{"type":"ack","id":3}')).toEqual({ ok: true, frame: { type: 'ack', id: 3 } });
    expect(parseLcFrame('{"type":"ack","id":3}')).toMatchObject({ ok: false, code: 'UnknownFrameType' });
    expect(parseGmFrame('{"type":"error","code":"Nope","message":"x"}')).toMatchObject({ ok: false, code: 'InvalidFrame' });
  });
});

describe('wire messages', () => {
  it('accepts the original shape with JSON content and keeps the content untouched', () => {
    const checked = checkDownstreamMessage({ ...dataset, content: { ...dataset.content, extra: { deep: [1] } } });
    expect(checked.ok && checked.value.content.extra).toEqual({ deep: [1] });
    expect(messageKey(dataset.header)).toBe('dataset/default/ds-1');
  });

  it('rejects a wrong direction, a base64 string content and bad names', () => {
    expect(checkUpstreamMessage(dataset)).toMatchObject({ ok: false });
    const base64 = checkDownstreamMessage({ ...dataset, content: 'eyJhIjoxfQ==' });
    expect(base64).toMatchObject({ ok: false });
    expect(base64.ok ? '' : base64.error).toContain('content: Invalid value');
    const badKind = checkDownstreamMessage({ ...dataset, header: { ...dataset.header, resourceKind: 'Dataset' } });
    expect(badKind.ok ? '' : badKind.error).toContain('header.resourceKind');
    const status = checkUpstreamMessage({ ...dataset, header: { ...dataset.header, operation: 'status' } });
    expect(status.ok).toBe(true);
  });
});
