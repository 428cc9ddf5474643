/**
 * The synthetic scenario with exact ground truth: real Fashion-MNIST test items (the identities, and distractors of
 * the same classes) move across a world 480 px wide; camera A sees x 0-320, camera B, zoomed 1.3x, sees x 160-406 and y 0-185
 * with another gain, gamma, blur and noise. Every frame of both cameras comes with the boxes, identities and
 * classes of what it shows (an object counts as visible when at least half of its box is in view).
 */
import { loadFashionMnist } from '@sedna/lib/datasources';
import type { Box } from './image.js';
import { gaussian, rng } from './rng.js';

export const WORLD_WIDTH = 480;
export const WORLD_HEIGHT = 240;
export const ITEM_SCALE = 2;
const ITEM_BRIGHTNESS = 235;
export const EMPTY_FRAMES = 12;
/** Changes when the renderer does, so cached renders are redone. */
export const SCENE_VERSION = 2;

export interface CameraSpec {
  name: string;
  /** The world point at the frame's top-left corner, and the zoom. */
  x0: number;
  y0: number;
  scale: number;
  width: number;
  height: number;
  gain: number;
  gamma: number;
  /** Box blur radius in pixels (0: none). */
  blur: number;
  /** Standard deviation of the pixel noise. */
  noise: number;
}

export const CAMERAS: CameraSpec[] = [
  { name: 'camera-a', x0: 0, y0: 0, scale: 1, width: 320, height: 240, gain: 1, gamma: 1, blur: 0, noise: 4 },
  { name: 'camera-b', x0: 160, y0: 0, scale: 1.3, width: 320, height: 240, gain: 0.8, gamma: 1.2, blur: 1, noise: 8 },
];

export interface SceneObject {
  id: number;
  /** The Fashion-MNIST test index and class of its look. */
  item: number;
  cls: number;
  /** Queried identity (true) or a same-class distractor. */
  identity: boolean;
  pixels: Uint8Array;
  /** The tight box of the item's pixels inside its 28x28 image. */
  tight: Box;
  /** Position of the 28x28 image's top-left corner in the world at frame t. */
  at(t: number): { x: number; y: number } | undefined;
}

export interface GtBox {
  id: number;
  cls: number;
  box: Box;
}

export interface ScenarioOptions {
  identities: number;
  distractors: number;
  frames: number;
  seed?: number;
  /** World pixels per frame (default: crossing the world takes half the clip, at least 4). */
  speed?: number;
  /** First Fashion-MNIST test item considered (default 0). */
  itemOffset?: number;
}

export interface Scenario {
  objects: SceneObject[];
  cameras: CameraSpec[];
  frames: number;
  /** renderFrame(camera, t): the RGB frame. */
  renderFrame(camera: CameraSpec, t: number): Uint8Array;
  groundTruth(camera: CameraSpec, t: number): GtBox[];
}

/** The tight box of a 28x28 item's ink (pixels over 30), in item pixels. */
export function tightBox(pixels: Uint8Array): Box {
  let x1 = 28;
  let y1 = 28;
  let x2 = 0;
  let y2 = 0;
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++)
      if (pixels[y * 28 + x]! > 30) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x + 1);
        y2 = Math.max(y2, y + 1);
      }
  return [x1, y1, x2, y2];
}

/** A static, smooth, coloured background. */
function background(seed: number): Float32Array {
  const r = rng(seed);
  const waves = Array.from({ length: 6 }, () => ({ fx: r() * 0.05, fy: r() * 0.05, p: r() * 6.28, c: [r(), r(), r()] }));
  const bg = new Float32Array(WORLD_WIDTH * WORLD_HEIGHT * 3);
  for (let y = 0; y < WORLD_HEIGHT; y++)
    for (let x = 0; x < WORLD_WIDTH; x++)
      for (let c = 0; c < 3; c++) {
        let v = 75;
        for (const w of waves) v += 12 * w.c[c]! * Math.sin(w.fx * x + w.fy * y + w.p);
        bg[(y * WORLD_WIDTH + x) * 3 + c] = v + 6 * (r() - 0.5);
      }
  return bg;
}

export async function makeScenario(options: ScenarioOptions): Promise<Scenario> {
  const seed = options.seed ?? 7;
  const r = rng(seed);
  const span0 = WORLD_WIDTH + 28 * ITEM_SCALE;
  // By default fast enough that an object crosses the world in half the clip (at least 4 px a frame).
  const speed = options.speed ?? Math.max(4, (2 * span0) / options.frames);
  const data = await loadFashionMnist({ split: 'test', offset: options.itemOffset ?? 0, count: 2000, normalize: false });
  const byClass = new Map<number, number[]>();
  data.y.forEach((c, i) => {
    const pixels = data.pixels.subarray(i * 784, (i + 1) * 784);
    const [x1, y1, x2, y2] = tightBox(pixels);
    if (x2 - x1 < 10 || y2 - y1 < 10) return; // too small to see at this scale
    byClass.set(c, [...(byClass.get(c) ?? []), i]);
  });
  const used = new Set<number>();
  const pick = (cls: number): number => {
    const list = byClass.get(cls)!;
    let i = list[Math.floor(r() * list.length)]!;
    while (used.has(i)) i = list[Math.floor(r() * list.length)]!;
    used.add(i);
    return i;
  };
  const total = options.identities + options.distractors;
  // Three lanes 60 px apart, each with its own direction and speed, so objects of a lane keep their spacing.
  const lanes = 3;
  const span = WORLD_WIDTH + 28 * ITEM_SCALE;
  const crossing = Math.ceil(span / speed);
  // The first object enters after EMPTY_FRAMES (a camera sees its scene before people arrive, and learns it); the
  // entries are staggered so the last object finishes crossing at the last frame.
  const gap = total > 1 ? Math.max(1, Math.floor((options.frames - crossing - EMPTY_FRAMES) / (total - 1))) : 0;
  const classes = Array.from({ length: options.identities }, (_, k) => k % 10);
  const objects: SceneObject[] = [];
  for (let k = 0; k < total; k++) {
    const identity = k < options.identities;
    const cls = identity ? classes[k]! : classes[(k - options.identities) % options.identities]!;
    const item = pick(cls);
    const pixels = data.pixels.slice(item * 784, (item + 1) * 784);
    const lane = k % lanes;
    const direction = lane % 2 === 0 ? 1 : -1;
    const y = 6 + lane * 60 + Math.floor(r() * 3);
    const t0 = EMPTY_FRAMES + k * gap;
    const v = speed * (0.9 + 0.1 * lane);
    objects.push({
      id: k,
      item: item + (options.itemOffset ?? 0),
      cls,
      identity,
      pixels,
      tight: tightBox(pixels),
      at: (t) => {
        const dt = t - t0;
        if (dt < 0) return undefined;
        const x = direction > 0 ? -28 * ITEM_SCALE + dt * v : WORLD_WIDTH + dt * -v;
        if (x > WORLD_WIDTH || x < -28 * ITEM_SCALE) return undefined;
        return { x, y: y + 1.5 * Math.sin(dt / 7) };
      },
    });
  }
  const bg = background(seed + 1);

  const renderWorld = (t: number): Float32Array => {
    const world = bg.slice();
    for (const o of objects) {
      const p = o.at(t);
      if (!p) continue;
      for (let wy = Math.max(0, Math.floor(p.y)); wy < Math.min(WORLD_HEIGHT, Math.ceil(p.y + 28 * ITEM_SCALE)); wy++)
        for (let wx = Math.max(0, Math.floor(p.x)); wx < Math.min(WORLD_WIDTH, Math.ceil(p.x + 28 * ITEM_SCALE)); wx++) {
          const iy = Math.floor((wy - p.y) / ITEM_SCALE);
          const ix = Math.floor((wx - p.x) / ITEM_SCALE);
          if (ix < 0 || iy < 0 || ix > 27 || iy > 27) continue;
          const a = o.pixels[iy * 28 + ix]! / 255;
          if (a === 0) continue;
          const j = (wy * WORLD_WIDTH + wx) * 3;
          for (let c = 0; c < 3; c++) world[j + c] = world[j + c]! * (1 - a) + ITEM_BRIGHTNESS * a;
        }
    }
    return world;
  };

  const cache = new Map<number, Float32Array>();
  const worldAt = (t: number) => {
    let w = cache.get(t);
    if (!w) {
      w = renderWorld(t);
      cache.clear();
      cache.set(t, w);
    }
    return w;
  };

  return {
    objects,
    cameras: CAMERAS,
    frames: options.frames,
    renderFrame: (cam, t) => {
      const world = worldAt(t);
      const noise = rng(seed * 1000 + t * 7 + cam.name.length);
      const img = new Float32Array(cam.width * cam.height * 3);
      for (let v = 0; v < cam.height; v++) {
        const wy = Math.min(WORLD_HEIGHT - 1, Math.max(0, cam.y0 + v / cam.scale));
        const y0 = Math.floor(wy);
        const y1 = Math.min(y0 + 1, WORLD_HEIGHT - 1);
        const fy = wy - y0;
        for (let u = 0; u < cam.width; u++) {
          const wx = Math.min(WORLD_WIDTH - 1, Math.max(0, cam.x0 + u / cam.scale));
          const x0 = Math.floor(wx);
          const x1 = Math.min(x0 + 1, WORLD_WIDTH - 1);
          const fx = wx - x0;
          const a = (y0 * WORLD_WIDTH + x0) * 3;
          const b = (y0 * WORLD_WIDTH + x1) * 3;
          const c = (y1 * WORLD_WIDTH + x0) * 3;
          const d = (y1 * WORLD_WIDTH + x1) * 3;
          const o = (v * cam.width + u) * 3;
          for (let k = 0; k < 3; k++) img[o + k] = (1 - fy) * ((1 - fx) * world[a + k]! + fx * world[b + k]!) + fy * ((1 - fx) * world[c + k]! + fx * world[d + k]!);
        }
      }
      const blurred = cam.blur > 0 ? boxBlur(img, cam.width, cam.height, cam.blur) : img;
      const out = new Uint8Array(blurred.length);
      for (let i = 0; i < out.length; i++) {
        const v = 255 * Math.pow(Math.max(0, blurred[i]!) / 255, cam.gamma) * cam.gain + cam.noise * gaussian(noise);
        out[i] = Math.max(0, Math.min(255, Math.round(v)));
      }
      return out;
    },
    groundTruth: (cam, t) => {
      const boxes: GtBox[] = [];
      for (const o of objects) {
        const p = o.at(t);
        if (!p) continue;
        const [tx1, ty1, tx2, ty2] = o.tight;
        const full: Box = [(p.x + tx1 * ITEM_SCALE - cam.x0) * cam.scale, (p.y + ty1 * ITEM_SCALE - cam.y0) * cam.scale, (p.x + tx2 * ITEM_SCALE - cam.x0) * cam.scale, (p.y + ty2 * ITEM_SCALE - cam.y0) * cam.scale];
        const clipped: Box = [Math.max(0, full[0]), Math.max(0, full[1]), Math.min(cam.width, full[2]), Math.min(cam.height, full[3])];
        const area = (b: Box) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
        if (area(clipped) >= 0.5 * area(full)) boxes.push({ id: o.id, cls: o.cls, box: clipped });
      }
      return boxes;
    },
  };
}

function boxBlur(img: Float32Array, width: number, height: number, radius: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let dy = -radius; dy <= radius; dy++)
          for (let dx = -radius; dx <= radius; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
            s += img[(yy * width + xx) * 3 + c]!;
            n++;
          }
        out[(y * width + x) * 3 + c] = s / n;
      }
  return out;
}
