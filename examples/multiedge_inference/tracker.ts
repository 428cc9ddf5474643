/**
 * Multi-object tracking by IoU with an optimal (Hungarian) assignment of detections to tracks: a detection joins
 * the track whose last box it overlaps most in the best overall assignment, if the IoU reaches `minIou`; others start
 * tracks; a track unseen for `maxAge` frames ends.
 */
import { iou, type Box } from './image.js';

/** The Hungarian algorithm (Kuhn-Munkres, O(n^3)) on a rectangular cost matrix; returns the column of each row or -1. */
export function hungarian(cost: number[][]): number[] {
  const n = cost.length;
  const m = n > 0 ? cost[0]!.length : 0;
  if (n === 0 || m === 0) return new Array(n).fill(-1);
  const size = Math.max(n, m);
  const big = 1e9;
  const a = Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => (i < n && j < m ? cost[i]![j]! : big / 1e3)));
  const u = new Array(size + 1).fill(0);
  const v = new Array(size + 1).fill(0);
  const p = new Array(size + 1).fill(0);
  const way = new Array(size + 1).fill(0);
  for (let i = 1; i <= size; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Array(size + 1).fill(Infinity);
    const used = new Array(size + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= size; j++) {
        if (used[j]) continue;
        const cur = a[i0 - 1]![j - 1]! - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= size; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const result = new Array(n).fill(-1);
  for (let j = 1; j <= size; j++) if (p[j] > 0 && p[j] <= n && j <= m) result[p[j] - 1] = j - 1;
  return result;
}

interface Track {
  id: number;
  box: Box;
  lastSeen: number;
}

export class IouTracker {
  private tracks: Track[] = [];
  private nextId = 1;

  constructor(
    private readonly minIou = 0.3,
    private readonly maxAge = 5,
  ) {}

  /** The track id of each detection of frame `t`. */
  update(t: number, boxes: Box[]): number[] {
    this.tracks = this.tracks.filter((tr) => t - tr.lastSeen <= this.maxAge);
    const cost = boxes.map((b) => this.tracks.map((tr) => 1 - iou(b, tr.box)));
    const assignment = hungarian(cost);
    return boxes.map((b, i) => {
      const j = assignment[i]!;
      const track = j >= 0 ? this.tracks[j] : undefined;
      if (track && 1 - cost[i]![j]! >= this.minIou) {
        track.box = b;
        track.lastSeen = t;
        return track.id;
      }
      const created = { id: this.nextId++, box: b, lastSeen: t };
      this.tracks.push(created);
      return created.id;
    });
  }
}
