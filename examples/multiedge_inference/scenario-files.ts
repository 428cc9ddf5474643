/**
 * Writes the synthetic scenario to disk: one lossless video per camera (FFV1 in Matroska, what the cameras'
 * ffmpeg reads back), the ground truth beside it (`gt-<camera>.json`: per frame the boxes, identities, classes), and
 * the user's query images (`queries/<id>.png`: each queried identity's item cut to its box, seen by a camera).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cropRgb } from './image.js';
import { makeScenario, SCENE_VERSION, type ScenarioOptions } from './scene.js';
import { writePng } from './worker-common.js';

export interface ScenarioFiles {
  videos: Record<string, string>;
  gt: Record<string, string>;
  queries: string[];
  /** The identity of each query image. */
  queryIds: number[];
  frames: number;
}

function encode(path: string, width: number, height: number, fps: number, frames: (t: number) => Uint8Array, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0', '-c:v', 'ffv1', '-pix_fmt', 'bgr0', path], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg could not write ${path}: ${err}`))));
    void (async () => {
      for (let t = 0; t < count; t++) {
        if (!child.stdin.write(frames(t))) await new Promise((r) => child.stdin.once('drain', r));
      }
      child.stdin.end();
    })();
  });
}

export async function writeScenario(dir: string, options: ScenarioOptions & { fps: number }, log: (l: string) => void = () => undefined): Promise<ScenarioFiles> {
  const stamp = join(dir, 'scenario.json');
  const key = JSON.stringify({ ...options, renderer: SCENE_VERSION });
  if (existsSync(stamp)) {
    const saved = JSON.parse(readFileSync(stamp, 'utf8')) as { key: string; files: ScenarioFiles };
    if (saved.key === key) return saved.files;
  }
  mkdirSync(join(dir, 'queries'), { recursive: true });
  const scenario = await makeScenario(options);
  const files: ScenarioFiles = { videos: {}, gt: {}, queries: [], queryIds: [], frames: options.frames };
  const queryDone = new Set<number>();
  for (const cam of scenario.cameras) {
    const started = Date.now();
    const gt: { frame: number; boxes: { id: number; cls: number; box: number[] }[] }[] = [];
    const video = join(dir, `${cam.name}.mkv`);
    await encode(video, cam.width, cam.height, options.fps, (t) => {
      const frame = scenario.renderFrame(cam, t);
      const boxes = scenario.groundTruth(cam, t);
      gt.push({ frame: t, boxes: boxes.map((b) => ({ ...b, box: b.box.map((v) => Math.round(v * 10) / 10) })) });
      // The query photo of an identity: the first time camera A sees it whole, away from the edges.
      if (cam === scenario.cameras[0])
        for (const b of boxes) {
          const o = scenario.objects[b.id]!;
          if (!o.identity || queryDone.has(b.id) || b.box[0] < 100 || b.box[2] > cam.width - 100) continue;
          queryDone.add(b.id);
          const crop = cropRgb(frame, cam.width, [Math.floor(b.box[0]), Math.floor(b.box[1]), Math.ceil(b.box[2]), Math.ceil(b.box[3])]);
          const path = join(dir, 'queries', `${b.id}.png`);
          writePng(path, crop.width, crop.height, crop.rgb);
          files.queries.push(path);
          files.queryIds.push(b.id);
        }
      return frame;
    }, options.frames);
    files.videos[cam.name] = video;
    files.gt[cam.name] = join(dir, `gt-${cam.name}.json`);
    writeFileSync(files.gt[cam.name]!, JSON.stringify({ camera: cam, objects: scenario.objects.map((o) => ({ id: o.id, item: o.item, cls: o.cls, identity: o.identity })), frames: gt }));
    log(`rendered ${cam.name}: ${options.frames} frames in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${video}`);
  }
  writeFileSync(stamp, JSON.stringify({ key, files }));
  return files;
}
