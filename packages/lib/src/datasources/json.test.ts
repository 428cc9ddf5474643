import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { parseCocoJson } from './json.js';

const doc = {
  images: [
    { id: 1, file_name: 'seq1/img1/000001.jpg', width: 640, height: 480, frame_id: 1, video_id: 1 },
    { id: 2, file_name: 'seq1/img1/000002.jpg', width: 640, height: 480, frame_id: 2, video_id: 1 },
  ],
  annotations: [
    { id: 10, image_id: 1, category_id: 7, bbox: [10, 20, 30, 40], area: 1200, iscrowd: 0, track_id: 5 },
    { id: 11, image_id: 1, category_id: 3, bbox: [0, 0, 5, 5], area: 25, iscrowd: 0, track_id: 6 },
    { id: 12, image_id: 2, category_id: 7, bbox: [1, 1, 0, 0], area: 0, iscrowd: 0, track_id: 5 },
    { id: 13, image_id: 2, category_id: 7, bbox: [1, 1, 2, 2], area: 4, iscrowd: 1, track_id: 5 },
  ],
  categories: [
    { id: 7, name: 'person' },
    { id: 3, name: 'car' },
  ],
};

describe('COCO JSON parser', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sedna-coco-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives one sample per image with [x0,y0,x1,y1,class,track] boxes', async () => {
    const file = path.join(dir, 'val_half.json');
    await writeFile(file, JSON.stringify(doc));
    await mkdir(path.join(dir, 'seq1', 'gt'), { recursive: true });
    await writeFile(path.join(dir, 'seq1', 'gt', 'gt_val_half.txt'), '');
    const source = await parseCocoJson(file, { dataType: 'eval' });
    expect(source.classIds).toEqual([3, 7]);
    expect(source.classNames).toEqual(['car', 'person']);
    expect(source.x.map((im) => im.path)).toEqual([path.join(dir, 'seq1/img1/000001.jpg'), path.join(dir, 'seq1/img1/000002.jpg')]);
    const first = source.loadAnnotations(1);
    expect(first.boxes).toEqual([
      [10, 20, 40, 60, 1, 5],
      [0, 0, 5, 5, 0, 6],
    ]);
    expect(first.info).toEqual({ height: 480, width: 640, frameId: 1, videoId: 1, fileName: 'seq1/img1/000001.jpg' });
    // a zero-area box and a crowd box are dropped
    expect(source.loadAnnotations(2).boxes).toEqual([]);
    expect(source.groundTruthFiles).toEqual([path.join(dir, 'seq1', 'gt', 'gt_val_half.txt')]);
  });

  it('names the bad entry, or skips it when asked', async () => {
    const file = path.join(dir, 'bad.json');
    const bad = { ...doc, annotations: [...doc.annotations, { image_id: 1, category_id: 99, bbox: [0, 0, 1, 1] }] };
    await writeFile(file, JSON.stringify(bad));
    await expect(parseCocoJson(file, { dataType: 'train' })).rejects.toThrow(/bad\.json: annotations\[4\]: category_id 99 is not in categories/);
    const source = await parseCocoJson(file, { dataType: 'train', onMalformed: 'skip' });
    expect(source.skipped).toHaveLength(1);
    expect(source.loadAnnotations(1).boxes).toHaveLength(2);
  });

  it('rejects a document without the COCO arrays', async () => {
    const file = path.join(dir, 'x.json');
    await writeFile(file, JSON.stringify({ images: [] }));
    await expect(parseCocoJson(file, { dataType: 'train' })).rejects.toThrow(/x\.json: "annotations" must be an array/);
  });
});
