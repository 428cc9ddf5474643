/** Small image operations on raw RGB and grey buffers the scene, the detector and the feature extractor share. */

export interface Gray {
  width: number;
  height: number;
  data: Float32Array;
}

export type Box = [number, number, number, number];

export function rgbToGray(rgb: Uint8Array, width: number, height: number): Gray {
  const data = new Float32Array(width * height);
  for (let i = 0, j = 0; i < data.length; i++, j += 3) data[i] = 0.299 * rgb[j]! + 0.587 * rgb[j + 1]! + 0.114 * rgb[j + 2]!;
  return { width, height, data };
}

/** Bilinear resize of the box [x1,y1,x2,y2) of a grey image to size x size. */
export function cropResize(img: Gray, box: Box, size: number): Float32Array {
  const [x1, y1, x2, y2] = box;
  const out = new Float32Array(size * size);
  const sx = (x2 - x1) / size;
  const sy = (y2 - y1) / size;
  for (let v = 0; v < size; v++) {
    const fy = Math.min(Math.max(y1 + (v + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1b = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let u = 0; u < size; u++) {
      const fx = Math.min(Math.max(x1 + (u + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1b = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      const d = img.data;
      out[v * size + u] = (1 - wy) * ((1 - wx) * d[y0 * img.width + x0]! + wx * d[y0 * img.width + x1b]!) + wy * ((1 - wx) * d[y1b * img.width + x0]! + wx * d[y1b * img.width + x1b]!);
    }
  }
  return out;
}

/** Zero mean, unit variance: the feature extractor's input does not depend on a camera's gain or offset. */
export function standardize(v: Float32Array): Float32Array {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let s = 0;
  for (const x of v) s += (x - m) * (x - m);
  const sd = Math.sqrt(s / v.length) || 1;
  return v.map((x) => (x - m) / sd);
}

/** An RGB crop of a box (the attachment a camera sends up). */
export function cropRgb(rgb: Uint8Array, width: number, box: Box): { width: number; height: number; rgb: Uint8Array } {
  const [x1, y1, x2, y2] = box.map(Math.round) as Box;
  const w = Math.max(1, x2 - x1);
  const h = Math.max(1, y2 - y1);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(rgb.subarray(((y1 + y) * width + x1) * 3, ((y1 + y) * width + x1 + w) * 3), y * w * 3);
  return { width: w, height: h, rgb: out };
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Draws a box outline into an RGB buffer. */
export function drawBox(rgb: Uint8Array, width: number, height: number, box: Box, color: [number, number, number]): void {
  const [x1, y1, x2, y2] = box.map((v) => Math.round(v)) as Box;
  const put = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    rgb.set(color, (y * width + x) * 3);
  };
  for (let x = x1; x < x2; x++) {
    put(x, y1);
    put(x, y2 - 1);
  }
  for (let y = y1; y < y2; y++) {
    put(x1, y);
    put(x2 - 1, y);
  }
}

/** A distinct colour per identity. */
export function colorOf(id: number): [number, number, number] {
  const h = (id * 137.508) % 360;
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return Math.round(255 * (1 - Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}
