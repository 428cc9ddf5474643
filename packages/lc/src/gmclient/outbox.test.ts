import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamOutbox } from './outbox.js';

describe('UpstreamOutbox', () => {
  const dirs: string[] = [];
  const newPath = () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    dirs.push(dir);
    return join(dir, 'nested', 'outbox.db');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps entries in order across reopening until removed, with the same epoch', () => {
    const path = newPath();
    const first = new UpstreamOutbox(path);
    const ids = ['{"a":1}', '{"a":2}', '{"a":3}'].map((json) => first.append(json));
    expect(first.remove(ids[0]!)).toBe(true);
    expect(first.remove(ids[0]!)).toBe(false);
    const epoch = first.epoch;
    first.close();

    const second = new UpstreamOutbox(path);
    expect(second.epoch).toBe(epoch);
    expect(second.count()).toBe(2);
    expect(second.after(0, 10)).toEqual([
      { id: ids[1], messageJson: '{"a":2}' },
      { id: ids[2], messageJson: '{"a":3}' },
    ]);
    expect(second.after(ids[1]!, 10).map((entry) => entry.id)).toEqual([ids[2]]);
    second.close();
  });

  it('never reuses an id, even when emptied', () => {
    const outbox = new UpstreamOutbox(newPath());
    const first = outbox.append('{}');
    outbox.remove(first);
    expect(outbox.append('{}')).toBeGreaterThan(first);
    outbox.close();
  });

  it('gives a fresh file a fresh epoch', () => {
    const a = new UpstreamOutbox(newPath());
    const b = new UpstreamOutbox(newPath());
    expect(a.epoch).not.toBe(b.epoch);
    a.close();
    b.close();
  });

  it('names the file it cannot open', () => {
    const path = newPath();
    const blocker = new UpstreamOutbox(path);
    blocker.close();
    expect(() => new UpstreamOutbox(join(path, 'under-a-file.db'))).toThrow(new RegExp(`cannot open the upstream outbox ${path}`));
  });
});
