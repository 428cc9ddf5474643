/**
 * The detector: background subtraction (the per-pixel median of the first frames as the background, a threshold
 * from the measured noise, 8-connected components, nearby parts merged). It is the baseline the issue
 * names; objects are what differs from the static scene, with a confidence from how strongly and fully they differ.
 */
import type { Box, Gray } from './image.js';

export interface Detection {
  box: Box;
  confidence: number;
}

export interface DetectorOptions {
  /** Frames the background is learnt from (default 25). */
  warmup?: number;
  /** Smallest object in pixels (default 120). */
  minArea?: number;
  /** Parts closer than this are one object (default 4 px). */
  mergeGap?: number;
  /** Threshold on the grey difference; default max(18, 4 x the noise's standard deviation). */
  threshold?: number;
}

export class BackgroundSubtractionDetector {
  private readonly warmupFrames: Gray[] = [];
  private background: Float32Array | undefined;
  private threshold: number | undefined;
  readonly warmup: number;

  constructor(private readonly options: DetectorOptions = {}) {
    this.warmup = options.warmup ?? 25;
  }

  get ready(): boolean {
    return this.background !== undefined;
  }

  /** Feeds a warm-up frame; true once the background is known. */
  learn(frame: Gray): boolean {
    if (this.background) return true;
    this.warmupFrames.push(frame);
    if (this.warmupFrames.length < this.warmup) return false;
    const n = this.warmupFrames.length;
    const bg = new Float32Array(frame.data.length);
    const column = new Float32Array(n);
    for (let i = 0; i < bg.length; i++) {
      for (let k = 0; k < n; k++) column[k] = this.warmupFrames[k]!.data[i]!;
      column.sort();
      bg[i] = column[n >> 1]!;
    }
    this.background = bg;
    // The noise: the median absolute difference of one frame from the background (objects are a minority of pixels).
    const diffs = Float32Array.from(this.warmupFrames[n - 1]!.data, (v, i) => Math.abs(v - bg[i]!)).sort();
    const sigma = 1.4826 * diffs[diffs.length >> 1]!;
    this.threshold = this.options.threshold ?? Math.max(18, 4 * sigma);
    this.warmupFrames.length = 0;
    return true;
  }

  detect(frame: Gray): Detection[] {
    if (!this.background) throw new Error('the background is not learnt yet: feed warm-up frames first');
    const { width: w, height: h, data } = frame;
    const thr = this.threshold!;
    const fg = new Uint8Array(w * h);
    for (let i = 0; i < fg.length; i++) if (Math.abs(data[i]! - this.background[i]!) > thr) fg[i] = 1;
    // Connected components, 8-neighbourhood (thin parts of one object stay together), by flood fill.
    const label = new Int32Array(w * h).fill(-1);
    const parts: { box: Box; count: number; strength: number }[] = [];
    const stack = new Int32Array(w * h);
    for (let start = 0; start < fg.length; start++) {
      if (!fg[start] || label[start]! >= 0) continue;
      const id = parts.length;
      let bx1 = w;
      let by1 = h;
      let bx2 = 0;
      let by2 = 0;
      let count = 0;
      let strength = 0;
      let top = 0;
      label[start] = id;
      stack[top++] = start;
      while (top > 0) {
        const p = stack[--top]!;
        const x = p % w;
        const y = (p - x) / w;
        count++;
        strength += Math.abs(data[p]! - this.background[p]!);
        if (x < bx1) bx1 = x;
        if (y < by1) by1 = y;
        if (x + 1 > bx2) bx2 = x + 1;
        if (y + 1 > by2) by2 = y + 1;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w) continue;
            const q = yy * w + xx;
            if (fg[q] && label[q]! < 0) {
              label[q] = id;
              stack[top++] = q;
            }
          }
        }
      }
      parts.push({ box: [bx1, by1, bx2, by2], count, strength });
    }
    // Merge parts whose boxes (grown by mergeGap) overlap.
    const gap = this.options.mergeGap ?? 3;
    let merged = parts.map((p) => ({ ...p }));
    for (let changed = true; changed; ) {
      changed = false;
      outer: for (let i = 0; i < merged.length; i++)
        for (let j = i + 1; j < merged.length; j++) {
          const a = merged[i]!.box;
          const b = merged[j]!.box;
          if (a[0] - gap < b[2] && b[0] - gap < a[2] && a[1] - gap < b[3] && b[1] - gap < a[3]) {
            merged[i] = { box: [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])], count: merged[i]!.count + merged[j]!.count, strength: merged[i]!.strength + merged[j]!.strength };
            merged.splice(j, 1);
            changed = true;
            break outer;
          }
        }
    }
    const minArea = this.options.minArea ?? 120;
    merged = merged.filter((p) => p.count >= minArea);
    return merged.map((p) => {
      const box = p.box;
      const area = (box[2] - box[0]) * (box[3] - box[1]);
      const fill = Math.min(1, p.count / Math.max(1, area));
      const contrast = Math.min(1, p.strength / p.count / 100);
      // A box cut by the frame's edge is often an object mostly out of view: ranked below whole ones.
      const cut = box[0] <= 0 || box[1] <= 0 || box[2] >= w || box[3] >= h;
      return { box, confidence: (0.5 * fill + 0.5 * contrast) * (cut ? 0.5 : 1) };
    });
  }
}
