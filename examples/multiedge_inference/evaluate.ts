/**
 * Reads what the workers wrote (detections-<camera>.jsonl, hits.jsonl, identities.jsonl, summary-<camera>.json) and
 * the ground truth, and computes the scenario's figures; draws frames with boxes and identities and an index.html.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { colorOf, drawBox, iou, type Box } from './image.js';
import { averagePrecision, idf1, mota, percentile, reidScores, tracklets, type FrameResult, type GtFrame } from './metrics.js';
import { writePng } from './worker-common.js';

export interface CameraFigures {
  det_ap50: number;
  mota: number;
  idf1: number;
  frames: number;
  results: number;
  dropped: number;
  fps: number;
  bytes_up_per_frame: number;
  warmup: number;
}

export interface Figures {
  cameras: Record<string, CameraFigures>;
  reid_rank1: number;
  reid_map: number;
  reid_queries: number;
  hits: number;
  /** Query identities found in both cameras / queried. */
  search_found: number;
  query_to_hit_ms_p50: number;
  query_to_hit_ms_p99: number;
  frame_to_result_ms_p50: number;
  frame_to_result_ms_p99: number;
  camera_fps_sustained: number;
  bytes_up_per_frame: number;
  cross_camera_identities: number;
}

function readLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

interface DetLine {
  frame: number;
  capture_ms: number;
  result_ms: number;
  boxes: { box: Box; confidence: number; track: number; feature?: number[] }[];
}

export function readDetections(outDir: string, camera: string): { pred: FrameResult[]; latencies: number[] } {
  const lines = readLines<DetLine>(join(outDir, `detections-${camera}.jsonl`));
  return {
    pred: lines.map((l) => ({ frame: l.frame, boxes: l.boxes.map((b) => ({ box: b.box, confidence: b.confidence, track: b.track, ...(b.feature ? { feature: Float32Array.from(b.feature) } : {}) })) })),
    latencies: lines.map((l) => l.result_ms - l.capture_ms),
  };
}

/** Ground truth of the frames the camera processed (after its background warm-up). */
export function readGt(path: string, frames: Set<number>): GtFrame[] {
  const gt = JSON.parse(readFileSync(path, 'utf8')) as { frames: GtFrame[] };
  return gt.frames.filter((f) => frames.has(f.frame));
}

export function evaluate(outDir: string, gtFiles: Record<string, string>, queryIds: number[]): Figures {
  const cameras: Record<string, CameraFigures> = {};
  const tls = [];
  const latencies: number[] = [];
  const firstSeen = new Map<string, Map<number, number>>();
  for (const [camera, gtPath] of Object.entries(gtFiles)) {
    const { pred, latencies: lat } = readDetections(outDir, camera);
    latencies.push(...lat);
    const summary = existsSync(join(outDir, `summary-${camera}.json`)) ? (JSON.parse(readFileSync(join(outDir, `summary-${camera}.json`), 'utf8')) as Record<string, number>) : {};
    const sent = Math.max(1, (summary['frames'] ?? 0) - (summary['warmupFrames'] ?? 0));
    // No ground-truth file (the real video): only the system figures.
    const gt = gtPath ? readGt(gtPath, new Set(pred.map((p) => p.frame))) : [];
    const m = gtPath ? mota(gt, pred) : { mota: NaN };
    cameras[camera] = { det_ap50: gtPath ? averagePrecision(gt, pred) : NaN, mota: m.mota, idf1: gtPath ? idf1(gt, pred) : NaN, frames: summary['frames'] ?? 0, results: pred.length, dropped: summary['dropped'] ?? 0, fps: summary['fps'] ?? 0, bytes_up_per_frame: (summary['bytesUp'] ?? 0) / sent, warmup: summary['warmupFrames'] ?? 0 };
    if (gtPath) tls.push(tracklets(camera, gt, pred));
    const seen = new Map<number, number>();
    for (const f of gt) for (const b of f.boxes) if (!seen.has(b.id)) seen.set(b.id, f.frame);
    firstSeen.set(camera, seen);
  }
  const reid = tls.length === 2 ? reidScores(tls[0]!, tls[1]!) : { rank1: 0, mAP: 0, queries: 0 };
  // Search: a hit counts for its query when the box it matched covers that identity in the ground truth.
  const hits = readLines<{ target: number; camera: string; frame: number; box: Box; capture_ms: number; hit_ms: number }>(join(outDir, 'hits.jsonl'));
  const found = new Set<string>();
  const toHit: number[] = [];
  const firstHit = new Map<string, number>();
  for (const h of hits) {
    const id = queryIds[h.target];
    const key = `${id}/${h.camera}`;
    if (!firstHit.has(key)) {
      firstHit.set(key, h.hit_ms - h.capture_ms);
      toHit.push(h.hit_ms - h.capture_ms);
    }
    found.add(key);
  }
  const identities = readLines<{ global?: number }>(join(outDir, 'identities.jsonl'));
  // Sustained: the rate frames were read at, times the share of the detected frames whose result came back.
  const fps = Object.values(cameras).map((c) => c.fps * Math.min(1, c.results / Math.max(1, c.frames - c.warmup)));
  return {
    cameras,
    reid_rank1: reid.rank1,
    reid_map: reid.mAP,
    reid_queries: reid.queries,
    hits: hits.length,
    search_found: queryIds.length ? queryIds.filter((id) => Object.keys(gtFiles).every((c) => found.has(`${id}/${c}`) || !firstSeen.get(c)?.has(id))).length / queryIds.length : 0,
    query_to_hit_ms_p50: percentile(toHit, 50),
    query_to_hit_ms_p99: percentile(toHit, 99),
    frame_to_result_ms_p50: percentile(latencies, 50),
    frame_to_result_ms_p99: percentile(latencies, 99),
    camera_fps_sustained: fps.length ? Math.min(...fps) : 0,
    bytes_up_per_frame: Object.values(cameras).reduce((s, c) => s + c.bytes_up_per_frame, 0) / Math.max(1, Object.keys(cameras).length),
    cross_camera_identities: new Set(identities.map((i) => i.global)).size,
  };
}

/** A few frames of each camera with their boxes coloured by cross-camera identity, and an index.html. */
export function resultsPage(outDir: string, videos: Record<string, string>, figures: Figures, count = 4): string {
  const pages = join(outDir, 'page');
  mkdirSync(pages, { recursive: true });
  const globals = new Map(readLines<{ camera: string; track: number; global?: number }>(join(outDir, 'identities.jsonl')).map((i) => [`${i.camera}/${i.track}`, i.global ?? 0]));
  const images: string[] = [];
  for (const [camera, video] of Object.entries(videos)) {
    const { pred } = readDetections(outDir, camera);
    const busy = [...pred].sort((a, b) => b.boxes.length - a.boxes.length).slice(0, count).sort((a, b) => a.frame - b.frame);
    const frames = decodeFrames(video, busy.map((p) => p.frame));
    if (!frames) continue;
    busy.forEach((p, k) => {
      const { width: w, height: h } = frames;
      const rgb = frames.rgb[k]!;
      for (const b of p.boxes) drawBox(rgb, w, h, b.box, colorOf(globals.get(`${camera}/${b.track}`) ?? b.track + 100));
      const name = `${camera}-${p.frame}.png`;
      writePng(join(pages, name), w, h, rgb);
      images.push(`<figure><img src="${name}"><figcaption>${camera}, frame ${p.frame}: ${p.boxes.map((b) => `#${globals.get(`${camera}/${b.track}`) ?? '?'}`).join(' ')}</figcaption></figure>`);
    });
  }
  const html = `<!doctype html><meta charset="utf-8"><title>Multi-edge inference results</title>
<style>body{font-family:sans-serif}figure{display:inline-block;margin:6px}img{image-rendering:pixelated;width:480px}</style>
<h1>Multi-edge inference</h1><p>Boxes coloured by cross-camera identity (the ReID job's global id, shown as #n).</p>
<pre>${JSON.stringify(figures, null, 2)}</pre>${images.join('\n')}`;
  const index = join(pages, 'index.html');
  writeFileSync(index, html);
  return index;
}

/**
 * The given frames of a video (ascending indices) as RGB, in one pass of ffmpeg (one process per frame, each
 * decoding the video from its start, took seconds per page); undefined when ffmpeg cannot read it.
 */
function decodeFrames(video: string, indices: number[]): { width: number; height: number; rgb: Uint8Array[] } | undefined {
  if (indices.length === 0) return undefined;
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', video], { encoding: 'utf8' });
  const [width, height] = probe.stdout.trim().split(',').map(Number);
  if (probe.status !== 0 || !width || !height) return undefined;
  const select = indices.map((n) => `eq(n\\,${n})`).join('+');
  const raw = spawnSync('ffmpeg', ['-v', 'error', '-i', video, '-vf', `select=${select}`, '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: indices.length * width * height * 3 + 1024 });
  const size = width * height * 3;
  if (raw.status !== 0 || raw.stdout.length !== indices.length * size) return undefined;
  return { width, height, rgb: indices.map((_, k) => new Uint8Array(raw.stdout.subarray(k * size, (k + 1) * size))) };
}

/**
 * Real video: the cameras overlap by 64 px (A's x 160-224 is B's x 0-64 at the same instant), so two tracklets,
 * one per camera, whose boxes coincide there in at least 3 frames are the same person: pseudo ground truth for
 * cross-camera ReID. Only the part of each box inside the shared strip is compared (IoU >= 0.5): a person crossing
 * it is cut by A's right edge or B's left edge, so whole boxes rarely coincide (comparing them, and skipping A's
 * boxes that start left of the strip, left 2 queries in 30 s). Every such A tracklet queries all B tracklets.
 */
export function realVideoReid(outDir: string, shift = 160, overlap = 64): { reid_rank1: number; reid_map: number; reid_queries: number; detections: number } {
  const a = readDetections(outDir, 'camera-a').pred;
  const b = readDetections(outDir, 'camera-b').pred;
  const bByFrame = new Map(b.map((p) => [p.frame, p.boxes]));
  /** The box's part between x0 and x1, or undefined when under 4 px of it is there. */
  const strip = (box: Box, x0: number, x1: number): Box | undefined => (Math.min(x1, box[2]) - Math.max(x0, box[0]) >= 4 ? [Math.max(x0, box[0]), box[1], Math.min(x1, box[2]), box[3]] : undefined);
  const pairs = new Map<string, number>();
  for (const p of a)
    for (const ba of p.boxes) {
      const inA = strip(ba.box, shift, shift + overlap);
      if (!inA) continue;
      const moved: Box = [inA[0] - shift, inA[1], inA[2] - shift, inA[3]];
      for (const bb of bByFrame.get(p.frame) ?? []) {
        const inB = strip(bb.box, 0, overlap);
        if (inB && iou(moved, inB) >= 0.5) pairs.set(`${ba.track}:${bb.track}`, (pairs.get(`${ba.track}:${bb.track}`) ?? 0) + 1);
      }
    }
  const mean = (preds: FrameResult[]) => {
    const m = new Map<number, Float32Array[]>();
    for (const p of preds) for (const x of p.boxes) if (x.feature) m.set(x.track, [...(m.get(x.track) ?? []), x.feature]);
    return m;
  };
  const fa = mean(a);
  const fb = mean(b);
  const gallery = [...fb.entries()].map(([track, f]) => ({ track, feature: meanOf(f) }));
  let hits = 0;
  let apSum = 0;
  let queries = 0;
  for (const [track, f] of fa) {
    const same = new Set([...pairs.entries()].filter(([k, n]) => n >= 3 && Number(k.split(':')[0]) === track).map(([k]) => Number(k.split(':')[1])));
    if (same.size === 0 || gallery.length === 0) continue;
    queries++;
    const q = meanOf(f);
    const ranked = gallery.map((g) => ({ track: g.track, s: dot(q, g.feature) })).sort((x, y) => y.s - x.s);
    if (same.has(ranked[0]!.track)) hits++;
    let found = 0;
    let ap = 0;
    ranked.forEach((r, i) => {
      if (same.has(r.track)) {
        found++;
        ap += found / (i + 1);
      }
    });
    apSum += ap / Math.max(1, found);
  }
  return { reid_rank1: queries ? hits / queries : 0, reid_map: queries ? apSum / queries : 0, reid_queries: queries, detections: a.concat(b).reduce((n, p) => n + p.boxes.length, 0) };
}

function meanOf(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows[0]!.length);
  for (const r of rows) for (let i = 0; i < out.length; i++) out[i]! += r[i]!;
  const n = Math.hypot(...out) || 1;
  return out.map((v) => v / n);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
