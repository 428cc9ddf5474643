/**
 * The trained detector against the scenario's exact ground truth: trained here on a slice of its own training
 * scenario (other seed, other items), then both detectors on a slice of the evaluated scenario, AP at IoU 0.5.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareDetectors } from './detector-eval.js';
import { boxesFromScores, DETECTOR_MODEL_FILE } from './detector-trained.js';
import { ensureTestDetector } from './test-support.js';

describe('the trained detector', () => {
  it('turns connected cells above the threshold into boxes on the pixel grid', () => {
    const cols = 10;
    const rows = 6;
    const scores = new Float32Array(cols * rows);
    for (let r = 1; r < 4; r++) for (let c = 2; c < 6; c++) scores[r * cols + c] = 0.9;
    scores[5 * cols + 9] = 0.9; // a lone cell: too small
    const boxes = boxesFromScores(scores, cols, rows, 20, 12, { minCells: 4 });
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.box).toEqual([4, 2, 12, 8]);
    expect(boxes[0]!.confidence).toBeCloseTo(0.9, 5);
    expect(boxesFromScores(scores, cols, rows, 20, 12, { minCells: 4, threshold: 0.95 })).toHaveLength(0);
  });

  it('is trained from the synthetic scenario and finds its objects (AP@0.5 against the exact ground truth)', async () => {
    const figures = await compareDetectors(join(await ensureTestDetector(), DETECTOR_MODEL_FILE), { identities: 6, distractors: 2, frames: 70 });
    for (const [camera, f] of Object.entries(figures.cameras)) expect(f.trained, `${camera}: ${JSON.stringify(f)}`).toBeGreaterThan(0.5);
  }, 240_000);
});
