/**
 * The figures of the scenario, with the names Ianvs' MOT17 benchmark uses: detection AP at IoU 0.5, per-camera
 * MOTA and IDF1 against the exact ground truth, and cross-camera ReID rank-1 and mAP over tracklets (the mean feature
 * of a track, its identity the ground-truth object most of its boxes cover).
 */
import { cosine, meanFeature } from '@sedna/lib/multi_edge_inference';
import { iou, type Box } from './image.js';
import { hungarian } from './tracker.js';

export interface PredBox {
  box: Box;
  confidence: number;
  track: number;
  feature?: Float32Array;
}

export interface FrameResult {
  frame: number;
  boxes: PredBox[];
}

export interface GtFrame {
  frame: number;
  boxes: { id: number; box: Box }[];
}

/** All-point interpolated average precision of detections at IoU >= 0.5. */
export function averagePrecision(gt: GtFrame[], pred: FrameResult[]): number {
  const gtByFrame = new Map(gt.map((g) => [g.frame, g.boxes]));
  const total = gt.reduce((n, g) => n + g.boxes.length, 0);
  if (total === 0) return 0;
  const dets = pred.flatMap((p) => p.boxes.map((b) => ({ frame: p.frame, box: b.box, confidence: b.confidence }))).sort((a, b) => b.confidence - a.confidence);
  const taken = new Map<number, Set<number>>();
  const tp: number[] = [];
  for (const d of dets) {
    const g = gtByFrame.get(d.frame) ?? [];
    const used = taken.get(d.frame) ?? new Set<number>();
    let best = -1;
    let bestIou = 0.5;
    g.forEach((gb, i) => {
      const o = iou(d.box, gb.box);
      if (!used.has(i) && o >= bestIou) {
        bestIou = o;
        best = i;
      }
    });
    if (best >= 0) used.add(best);
    taken.set(d.frame, used);
    tp.push(best >= 0 ? 1 : 0);
  }
  let ctp = 0;
  const prec: number[] = [];
  const rec: number[] = [];
  tp.forEach((t, i) => {
    ctp += t;
    prec.push(ctp / (i + 1));
    rec.push(ctp / total);
  });
  for (let i = prec.length - 2; i >= 0; i--) prec[i] = Math.max(prec[i]!, prec[i + 1]!);
  let ap = 0;
  let prevRecall = 0;
  rec.forEach((r, i) => {
    ap += (r - prevRecall) * prec[i]!;
    prevRecall = r;
  });
  return ap;
}

/** Per frame: the optimal IoU >= 0.5 matching of ground truth to predictions. */
function matchFrame(g: { id: number; box: Box }[], p: PredBox[]): [number, number][] {
  const cost = g.map((gb) => p.map((pb) => (iou(gb.box, pb.box) >= 0.5 ? 1 - iou(gb.box, pb.box) : 10)));
  return hungarian(cost)
    .map((j, i) => [i, j] as [number, number])
    .filter(([i, j]) => j >= 0 && cost[i]![j]! < 10);
}

export function mota(gt: GtFrame[], pred: FrameResult[]): { mota: number; fn: number; fp: number; idsw: number; gt: number } {
  const predByFrame = new Map(pred.map((p) => [p.frame, p.boxes]));
  let fn = 0;
  let fp = 0;
  let idsw = 0;
  let total = 0;
  const lastTrack = new Map<number, number>();
  for (const g of gt) {
    const p = predByFrame.get(g.frame) ?? [];
    const matches = matchFrame(g.boxes, p);
    total += g.boxes.length;
    fn += g.boxes.length - matches.length;
    fp += p.length - matches.length;
    for (const [i, j] of matches) {
      const id = g.boxes[i]!.id;
      const track = p[j]!.track;
      if (lastTrack.has(id) && lastTrack.get(id) !== track) idsw++;
      lastTrack.set(id, track);
    }
  }
  return { mota: total > 0 ? 1 - (fn + fp + idsw) / total : 0, fn, fp, idsw, gt: total };
}

/** IDF1: the best one-to-one mapping of ground-truth identities to tracks by frames matched. */
export function idf1(gt: GtFrame[], pred: FrameResult[]): number {
  const predByFrame = new Map(pred.map((p) => [p.frame, p.boxes]));
  const pairs = new Map<string, number>();
  const ids = new Set<number>();
  const tracks = new Set<number>();
  let gtTotal = 0;
  let predTotal = 0;
  for (const g of gt) {
    const p = predByFrame.get(g.frame) ?? [];
    gtTotal += g.boxes.length;
    for (const [i, j] of matchFrame(g.boxes, p)) {
      const key = `${g.boxes[i]!.id}:${p[j]!.track}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
      ids.add(g.boxes[i]!.id);
      tracks.add(p[j]!.track);
    }
  }
  for (const p of pred) if (gt.some((g) => g.frame === p.frame)) predTotal += p.boxes.length;
  const idList = [...ids];
  const trackList = [...tracks];
  const cost = idList.map((id) => trackList.map((t) => -(pairs.get(`${id}:${t}`) ?? 0)));
  const assignment = hungarian(cost);
  const idtp = assignment.reduce((s, j, i) => s + (j >= 0 ? -cost[i]![j]! : 0), 0);
  return gtTotal + predTotal > 0 ? (2 * idtp) / (gtTotal + predTotal) : 0;
}

export interface Tracklet {
  camera: string;
  track: number;
  id: number;
  feature: Float32Array;
}

/** The tracklets of one camera with their majority ground-truth identity (tracks that cover no object are left out). */
export function tracklets(camera: string, gt: GtFrame[], pred: FrameResult[]): Tracklet[] {
  const gtByFrame = new Map(gt.map((g) => [g.frame, g.boxes]));
  const votes = new Map<number, Map<number, number>>();
  const feats = new Map<number, Float32Array[]>();
  for (const p of pred) {
    const g = gtByFrame.get(p.frame) ?? [];
    for (const [i, j] of matchFrame(g, p.boxes)) {
      const t = p.boxes[j]!.track;
      const v = votes.get(t) ?? new Map<number, number>();
      v.set(g[i]!.id, (v.get(g[i]!.id) ?? 0) + 1);
      votes.set(t, v);
    }
    for (const b of p.boxes) if (b.feature) feats.set(b.track, [...(feats.get(b.track) ?? []), b.feature]);
  }
  const out: Tracklet[] = [];
  for (const [track, v] of votes) {
    const f = feats.get(track);
    if (!f || f.length === 0) continue;
    const id = [...v.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    out.push({ camera, track, id, feature: meanFeature(f) });
  }
  return out;
}

/** Cross-camera ReID: each tracklet of one camera queries the other camera's; rank-1 and mAP over both directions. */
export function reidScores(a: Tracklet[], b: Tracklet[]): { rank1: number; mAP: number; queries: number } {
  let hits = 0;
  let apSum = 0;
  let queries = 0;
  for (const [query, gallery] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const q of query) {
      if (!gallery.some((g) => g.id === q.id)) continue;
      queries++;
      const ranked = gallery.map((g) => ({ g, s: cosine(q.feature, g.feature) })).sort((x, y) => y.s - x.s);
      if (ranked[0]!.g.id === q.id) hits++;
      let found = 0;
      let ap = 0;
      ranked.forEach((r, i) => {
        if (r.g.id === q.id) {
          found++;
          ap += found / (i + 1);
        }
      });
      apSum += ap / found;
    }
  }
  return { rank1: queries ? hits / queries : 0, mAP: queries ? apSum / queries : 0, queries };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
