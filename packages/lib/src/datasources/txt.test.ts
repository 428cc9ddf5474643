import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DataParseError } from './malformed.js';
import { parseTxtIndex, parseTxtIndexText } from './txt.js';

describe('txt index parser', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sedna-txt-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads path and label, resolving relative paths against the index folder', async () => {
    const index = path.join(dir, 'train.txt');
    await writeFile(index, 'images/a.pgm 3\n\n  /abs/b.pgm\t7  \ns3://bucket/c.pgm 1\n');
    const source = await parseTxtIndex(index, { dataType: 'train', labels: 'integer' });
    expect(source.x).toEqual([path.join(dir, 'images/a.pgm'), '/abs/b.pgm', 's3://bucket/c.pgm']);
    expect(source.y).toEqual([3, 7, 1]);
    expect(source.origins.map((o) => o.line)).toEqual([1, 3, 4]);
    expect(source.numExamples()).toBe(3);
  });

  it('resolves against DATA_PATH_PREFIX when given', () => {
    const source = parseTxtIndexText([{ file: '/elsewhere/index.txt', text: 'a.pgm x\n' }], {
      dataType: 'eval',
      dataPathPrefix: '/home/data',
    });
    expect(source.x).toEqual(['/home/data/a.pgm']);
    expect(source.y).toEqual(['x']);
  });

  it('reads no labels for test data', () => {
    const source = parseTxtIndexText([{ file: '/d/i.txt', text: 'a.pgm 1\nb.pgm\n' }], { dataType: 'test' });
    expect(source.x).toEqual(['/d/a.pgm', '/d/b.pgm']);
    expect(source.y).toEqual([]);
    expect(source.isTestData).toBe(true);
  });

  it('names file and line of a malformed line', () => {
    const parse = () =>
      parseTxtIndexText([{ file: '/d/i.txt', text: 'a.pgm 1\nb.pgm one\n' }], { dataType: 'train', labels: 'integer' });
    expect(parse).toThrow(DataParseError);
    expect(parse).toThrow('/d/i.txt:2: label "one" is not an integer');
  });

  it('treats a missing train label as malformed unless a default is given', () => {
    const input = [{ file: '/d/i.txt', text: 'a.pgm\n' }];
    expect(() => parseTxtIndexText(input, { dataType: 'train' })).toThrow('/d/i.txt:1: sample "a.pgm" has no label');
    expect(parseTxtIndexText(input, { dataType: 'train', defaultLabel: '0' }).y).toEqual(['0']);
  });

  it('skips and counts malformed lines when asked', () => {
    const source = parseTxtIndexText([{ file: '/d/i.txt', text: 'a.pgm 1\nb.pgm 2 extra\nc.pgm z\nd.pgm 4\n' }], {
      dataType: 'train',
      labels: 'integer',
      onMalformed: 'skip',
    });
    expect(source.y).toEqual([1, 4]);
    expect(source.skipped.map((s) => s.line)).toEqual([2, 3]);
    expect(source.skipped[0]?.reason).toContain('3 columns');
  });

  it('names a missing index file', async () => {
    await expect(parseTxtIndex(path.join(dir, 'nope.txt'), { dataType: 'train' })).rejects.toThrow(/nope\.txt: cannot read index file/);
  });
});
