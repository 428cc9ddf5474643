/**
 * The real video's cross-camera pseudo ground truth (evaluate.ts realVideoReid): a person crossing the strip both
 * cameras see is cut by A's right edge and B's left edge, so only the parts of the boxes inside the strip compare.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realVideoReid } from './evaluate.js';

const dir = mkdtempSync(join(tmpdir(), 'sedna-real-video-reid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Line = { frame: number; capture_ms: number; result_ms: number; boxes: { box: number[]; confidence: number; track: number; feature: number[] }[] };
const write = (camera: string, lines: Line[]) => writeFileSync(join(dir, `detections-${camera}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

describe('the real video pseudo ground truth', () => {
  it('pairs tracklets whose boxes coincide inside the shared strip, though the frame edges cut them differently', () => {
    const a: Line[] = [];
    const b: Line[] = [];
    for (let f = 0; f < 5; f++) {
      // Person 1 stands at B's x 50-90: A sees its x 210-224 only (cut at its right edge), B the whole; whole boxes
      // have IoU 14/40 after the shift, the parts inside the strip (B's x 50-64) coincide. Person 2 stays in A.
      a.push({ frame: f, capture_ms: 0, result_ms: 0, boxes: [{ box: [210, 50, 224, 110], confidence: 1, track: 1, feature: [1, 0] }, { box: [20, 50, 50, 110], confidence: 1, track: 2, feature: [0, 1] }] });
      b.push({ frame: f, capture_ms: 0, result_ms: 0, boxes: [{ box: [50, 50, 90, 110], confidence: 1, track: 7, feature: [0.9, 0.1] }, { box: [150, 50, 180, 110], confidence: 1, track: 8, feature: [0.1, 0.9] }] });
    }
    // A box straddling A's x 150-190 (left of the strip's start at 160): its part inside the strip still counts.
    a.push({ frame: 5, capture_ms: 0, result_ms: 0, boxes: [{ box: [150, 50, 190, 110], confidence: 1, track: 3, feature: [0, 1] }] });
    b.push({ frame: 5, capture_ms: 0, result_ms: 0, boxes: [{ box: [0, 50, 30, 110], confidence: 1, track: 9, feature: [0.1, 0.9] }] });
    write('camera-a', a);
    write('camera-b', b);
    const r = realVideoReid(dir);
    // Track 1 -> 7 (5 frames in the strip); track 3 -> 9 has 1 frame only (3 needed); track 2 never enters the strip.
    expect(r.reid_queries).toBe(1);
    expect(r.reid_rank1).toBe(1);
    expect(r.detections).toBe(22);
  });
});
