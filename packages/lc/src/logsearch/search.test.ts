import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lineTime, parseSince, searchPodLogs, type LogMatch } from './search.js';

const root = mkdtempSync(join(tmpdir(), 'sedna-logsearch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function pod(dir: string, files: Record<string, string>, modified?: Date): void {
  mkdirSync(join(root, dir), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(root, dir, name), text);
    if (modified) utimesSync(join(root, dir, name), modified, modified);
  }
}

async function search(query: Parameters<typeof searchPodLogs>[1]): Promise<LogMatch[]> {
  const out: LogMatch[] = [];
  await searchPodLogs(root, query, (m) => out.push(m));
  return out;
}

describe('the log search of one node', () => {
  pod('default_alpha_0b5e8a4c-1f2d-4c3b-9a8e-7d6c5b4a3f21', { 'container.log': 'now: Needle three\n', 'container.log.1': 'needle two\n', 'container.log.2': '2020-05-06T07:08:09Z needle one\nhay\n' });
  pod('other_beta_1b5e8a4c-1f2d-4c3b-9a8e-7d6c5b4a3f21', { 'container.log': 'beta needle\n' }, new Date('2021-01-01T00:00:00Z'));
  pod('not-a-pod-folder', { 'container.log': 'needle in a stranger\n' });

  it('finds the word case-insensitively in every pod, oldest file first, with its time', async () => {
    const found = await search({ word: 'needle' });
    expect(found.filter((m) => m.pod === 'alpha').map((m) => m.line)).toEqual(['2020-05-06T07:08:09Z needle one', 'needle two', 'now: Needle three']);
    expect(found[0]).toMatchObject({ namespace: 'default', time: '2020-05-06T07:08:09.000Z', timeFrom: 'line' });
    expect(found.find((m) => m.pod === 'beta')).toMatchObject({ namespace: 'other', time: '2021-01-01T00:00:00.000Z', timeFrom: 'file' });
    expect(found.some((m) => m.line.includes('stranger'))).toBe(false);
  });

  it('narrows by pod, namespace, time and count', async () => {
    expect((await search({ word: 'needle', pod: 'beta' })).map((m) => m.pod)).toEqual(['beta']);
    expect((await search({ word: 'needle', namespace: 'default' })).every((m) => m.namespace === 'default')).toBe(true);
    const recent = await search({ word: 'needle', since: new Date('2022-01-01T00:00:00Z') });
    expect(recent.map((m) => m.line)).toEqual(['needle two', 'now: Needle three']);
    expect(await search({ word: 'needle', limit: 2 })).toHaveLength(2);
  });

  it('reads times and durations', () => {
    expect(lineTime('[2024-02-03 04:05:06.5+01:00] x')?.toISOString()).toBe('2024-02-03T03:05:06.500Z');
    expect(lineTime('no time')).toBeUndefined();
    expect(parseSince('1h', 10_000_000).getTime()).toBe(10_000_000 - 3_600_000);
    expect(parseSince('2026-01-01T00:00:00Z').toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(() => parseSince('soon')).toThrow(/since must be a duration/);
  });
});
