import { describe, expect, it } from 'vitest';
import { parseWorkerMessage } from './worker-report.js';

const message = { name: 'w', namespace: 'ns', ownerName: 'job', ownerKind: 'federatedlearningjob', kind: 'train', status: 'running' };

describe('parseWorkerMessage', () => {
  it('keeps the MessageContent fields, treats null optional fields as absent and ignores unknown ones', () => {
    expect(parseWorkerMessage({ ...message, results: null, ownerInfo: { currentRound: 2 }, extra: 1 }, 'w')).toEqual({
      ok: true,
      message: { ...message, ownerInfo: { currentRound: 2 } },
    });
  });
  it('names the first bad field', () => {
    expect(parseWorkerMessage({ ...message, ownerName: '' }, 'w')).toEqual({ ok: false, reason: 'field "ownerName" is required and must be a non-empty string' });
    expect(parseWorkerMessage({ ...message, results: [1] }, 'w')).toEqual({ ok: false, reason: 'field "results" must be an array of objects' });
    expect(parseWorkerMessage(null, 'w')).toEqual({ ok: false, reason: 'body must be a JSON object (MessageContent)' });
  });
  it('takes events (count 1 when absent) and names a bad one', () => {
    const events = [{ type: 'Warning', reason: 'ItemFailed', message: 'node decode: an item was dropped', count: 4 }, { type: 'Normal', reason: 'ModelUpdated', message: 'v2' }];
    expect(parseWorkerMessage({ ...message, events }, 'w')).toEqual({ ok: true, message: { ...message, events: [events[0], { ...events[1], count: 1 }] } });
    expect(parseWorkerMessage({ ...message, events: [{ type: 'Error', reason: 'X', message: '' }] }, 'w')).toEqual({ ok: false, reason: 'field "events[0].type" must be Normal or Warning' });
    expect(parseWorkerMessage({ ...message, events: [{ type: 'Normal', reason: 'not camel', message: '' }] }, 'w')).toMatchObject({ ok: false, reason: expect.stringMatching(/events\[0\]\.reason/) });
    expect(parseWorkerMessage({ ...message, events: [{ type: 'Normal', reason: 'R', message: '', count: 0 }] }, 'w')).toEqual({ ok: false, reason: 'field "events[0].count" must be a positive integer' });
    expect(parseWorkerMessage({ ...message, events: Array.from({ length: 101 }, () => ({ type: 'Normal', reason: 'R', message: '' })) }, 'w')).toMatchObject({ ok: false, reason: expect.stringMatching(/at most 100/) });
  });
});
