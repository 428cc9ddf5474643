import { describe, expect, it } from 'vitest';
import { CloudFailureLog } from './cloud-failure-log.js';

describe('CloudFailureLog', () => {
  it('logs the first failure, then a count per interval, then the recovery', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new CloudFailureLog((l) => lines.push(l), 1000, () => now);
    log.failure('refused');
    for (let i = 0; i < 5; i++) log.failure('refused');
    expect(lines).toEqual(['cloud inference failed, answering with the edge result: refused']);
    now = 1500;
    log.failure('timeout');
    expect(lines.at(-1)).toBe('cloud inference still failing: 6 more failed calls (last: timeout)');
    log.failure('timeout');
    log.success();
    expect(lines.slice(-2)).toEqual(['cloud inference still failing: 1 more failed call (last: timeout)', 'cloud inference works again after 8 failed calls']);
    log.success();
    expect(lines).toHaveLength(4);
  });
});
