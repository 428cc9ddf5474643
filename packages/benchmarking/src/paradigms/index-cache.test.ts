import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { slice, splitDefault, type LabelledSet } from './data.js';
import { decodedCacheFile, readDecoded, writeDecoded } from './index-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'index-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function set(n: number, origin: string): LabelledSet {
  return {
    x: { data: Float32Array.from({ length: n * 6 }, (_, i) => i / 7), shape: [n, 2, 3, 1] },
    y: Int32Array.from({ length: n }, (_, i) => i % 3),
    origins: Array.from({ length: n }, () => origin),
    ids: Array.from({ length: n }, (_, i) => `img-${i}.pgm`),
    source: 'x',
  };
}

describe('the decoded index cache', () => {
  it('reads back what it wrote, as views of the file whatever the header length', () => {
    for (const origin of ['', 'a', 'ab', 'abc', 'sité']) {
      const index = join(dir, `index-${origin.length}-${origin}.txt`);
      writeFileSync(index, 'img-0.pgm 0\n');
      const original = set(5, origin);
      writeDecoded(index, original);
      const back = readDecoded(index) as LabelledSet;
      expect(Array.from(back.x.data)).toEqual(Array.from(original.x.data));
      expect(back.x.shape).toEqual([5, 2, 3, 1]);
      expect(Array.from(back.y)).toEqual(Array.from(original.y));
      expect(back.origins).toEqual(original.origins);
      expect(back.ids).toEqual(original.ids);
      expect(back.x.data.byteOffset % 4).toBe(0);
    }
  });

  it('reads a file written before the header was padded (by copying)', () => {
    const index = join(dir, 'old.txt');
    writeFileSync(index, 'img-0.pgm 0\n');
    const original = set(3, 'o');
    const header = Buffer.from(JSON.stringify({ n: 3, shape: [3, 2, 3, 1], ids: original.ids, origins: original.origins }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length, 0);
    expect((4 + header.length) % 4).not.toBe(0);
    writeFileSync(decodedCacheFile(index), Buffer.concat([length, header, Buffer.from(original.x.data.buffer), Buffer.from(original.y.buffer)]));
    const back = readDecoded(index) as LabelledSet;
    expect(Array.from(back.x.data)).toEqual(Array.from(original.x.data));
    expect(Array.from(back.y)).toEqual([0, 1, 2]);
  });

  it('splits by Ianvs default splitting into views of the same samples', () => {
    const whole = set(10, 'o');
    const pieces = splitDefault(whole, 2, 0.8);
    expect(pieces.map(([a, b]) => [a.y.length, b.y.length])).toEqual([[4, 1], [4, 1]]);
    const [, second] = pieces[1] as [LabelledSet, LabelledSet];
    expect(Array.from(second.x.data)).toEqual(Array.from(whole.x.data.subarray(9 * 6, 10 * 6)));
    expect(second.ids).toEqual(['img-9.pgm']);
    expect(slice(whole, 2, 4).x.shape).toEqual([2, 2, 3, 1]);
  });
});
