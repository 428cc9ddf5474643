import { describe, expect, it } from 'vitest';
import { parseWorkerMessage } from './worker-message.js';

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
});
