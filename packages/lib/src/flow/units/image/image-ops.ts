/**
 * The image values that flow between units, and the pure operations on them. Each `*Ports` function is
 * self-contained (no imports, no outside names), because it is also sent as text to worker threads
 * (`threads=N`): keep it that way when editing.
 */

/** An 8-bit image, interleaved (HWC: rgb24, bgr24, gray) or planar (CHW, after packed_planar_transpose). */
export interface Image {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly layout: 'hwc' | 'chw';
  /** rgb, bgr or gray. */
  readonly pixelFormat: string;
}

export function isImage(value: unknown): value is Image {
  return typeof value === 'object' && value !== null && (value as Image).data instanceof Uint8Array && typeof (value as Image).width === 'number';
}

/** `resize`: bilinear (or nearest) to image_width x image_height. */
export function resizePorts(ports: Record<string, unknown>, options: Record<string, unknown>): Record<string, unknown> {
  const image = ports.in_image as { data: Uint8Array; width: number; height: number; channels: number; layout: string; pixelFormat: string };
  if (!image || !(image.data instanceof Uint8Array)) throw new TypeError('resize: in_image must be an image');
  if (image.layout !== 'hwc') throw new Error('resize: the image must be interleaved (hwc); resize before packed_planar_transpose');
  const outW = options.image_width as number;
  const outH = options.image_height as number;
  const c = image.channels;
  const { width: inW, height: inH, data: src } = image;
  if (src.length !== inW * inH * c) throw new Error(`resize: the image holds ${src.length} bytes, expected ${inW}x${inH}x${c}`);
  const out = new Uint8Array(outW * outH * c);
  const sx = inW / outW;
  const sy = inH / outH;
  if (options.interpolation === 'nearest') {
    for (let y = 0; y < outH; y++) {
      const iy = Math.min(inH - 1, Math.floor((y + 0.5) * sy));
      for (let x = 0; x < outW; x++) {
        const ix = Math.min(inW - 1, Math.floor((x + 0.5) * sx));
        const s = (iy * inW + ix) * c;
        const d = (y * outW + x) * c;
        for (let k = 0; k < c; k++) out[d + k] = src[s + k] as number;
      }
    }
  } else {
    // Half-pixel centres, as OpenCV's INTER_LINEAR; the x weights are computed once per column.
    const x0s = new Int32Array(outW);
    const x1s = new Int32Array(outW);
    const fxs = new Float32Array(outW);
    for (let x = 0; x < outW; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(inW - 1, Math.floor(fx));
      x0s[x] = x0 * c;
      x1s[x] = Math.min(inW - 1, x0 + 1) * c;
      fxs[x] = fx - x0;
    }
    for (let y = 0; y < outH; y++) {
      const fy = Math.max(0, (y + 0.5) * sy - 0.5);
      const y0 = Math.min(inH - 1, Math.floor(fy));
      const y1 = Math.min(inH - 1, y0 + 1);
      const wy = fy - y0;
      const row0 = y0 * inW * c;
      const row1 = y1 * inW * c;
      let d = y * outW * c;
      for (let x = 0; x < outW; x++) {
        const wx = fxs[x] as number;
        const a = row0 + (x0s[x] as number);
        const b = row0 + (x1s[x] as number);
        const e = row1 + (x0s[x] as number);
        const f = row1 + (x1s[x] as number);
        for (let k = 0; k < c; k++) {
          const top = (src[a + k] as number) + ((src[b + k] as number) - (src[a + k] as number)) * wx;
          const bottom = (src[e + k] as number) + ((src[f + k] as number) - (src[e + k] as number)) * wx;
          out[d++] = top + (bottom - top) * wy + 0.5;
        }
      }
    }
  }
  return { out_image: { data: out, width: outW, height: outH, channels: c, layout: 'hwc', pixelFormat: image.pixelFormat } };
}

/**
 * `mean` and `normalize` in one function: `(value - mean[c]) * scale[c]` per channel, to a float32 tensor (the
 * image's shape: [h, w, c] interleaved, [c, h, w] planar; a tensor keeps its shape, its last axis the channel).
 * Options: `mean` (list; default 0) and `standard_deviation_inverse` (list; default 1).
 */
export function affinePorts(ports: Record<string, unknown>, options: Record<string, unknown>): Record<string, unknown> {
  return { out_data: affine(ports.in_data, (options.mean as number[] | undefined) ?? ZERO, (options.standard_deviation_inverse as number[] | undefined) ?? ONE) };
}

const ZERO: readonly number[] = [0];
const ONE: readonly number[] = [1];

/** affinePorts' work on one image or tensor, with the per-channel lists already read (a unit reads them once). */
export function affine(value: unknown, mean: readonly number[], scale: readonly number[]): { data: Float32Array; shape: number[] } {
  const input = value as { data: Uint8Array | Float32Array; shape?: number[]; width?: number; height?: number; channels?: number; layout?: string } | undefined;
  if (!input || !ArrayBuffer.isView(input.data)) throw new TypeError('in_data must be an image or a tensor');
  const src = input.data;
  let shape: number[];
  let planar = false;
  let channels: number;
  let plane = 1;
  if (input.shape) {
    shape = input.shape.slice();
    channels = (shape[shape.length - 1] as number) || 1;
  } else {
    const w = input.width as number;
    const h = input.height as number;
    channels = input.channels as number;
    planar = input.layout === 'chw';
    plane = w * h;
    shape = planar ? [channels, h, w] : [h, w, channels];
  }
  if (mean.length !== 1 && mean.length !== channels) throw new Error(`mean has ${mean.length} values for ${channels} channels`);
  if (scale.length !== 1 && scale.length !== channels) throw new Error(`standard_deviation_inverse has ${scale.length} values for ${channels} channels`);
  let out: Float32Array;
  if (mean.length === 1 && scale.length === 1) {
    // One loop per element type: each stays monomorphic (one loop over both kinds of array is several times slower).
    out = src instanceof Uint8Array ? affineBytes(src, mean[0] as number, scale[0] as number) : affineFloats(src as Float32Array, mean[0] as number, scale[0] as number);
  } else if (planar) {
    out = new Float32Array(src.length);
    for (let k = 0; k < channels; k++) {
      const m = (mean.length === 1 ? mean[0] : mean[k]) as number;
      const s = (scale.length === 1 ? scale[0] : scale[k]) as number;
      for (let i = k * plane, end = (k + 1) * plane; i < end; i++) out[i] = ((src[i] as number) - m) * s;
    }
  } else {
    out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const k = i % channels;
      out[i] = ((src[i] as number) - ((mean.length === 1 ? mean[0] : mean[k]) as number)) * ((scale.length === 1 ? scale[0] : scale[k]) as number);
    }
  }
  return { data: out, shape };
}

function affineBytes(src: Uint8Array, m: number, s: number): Float32Array {
  const out = new Float32Array(src.length);
  // Scaling alone (normalize) without subtracting a mean of zero: one operation an element fewer.
  if (m === 0) for (let i = 0; i < src.length; i++) out[i] = (src[i] as number) * s;
  else for (let i = 0; i < src.length; i++) out[i] = ((src[i] as number) - m) * s;
  return out;
}

function affineFloats(src: Float32Array, m: number, s: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = ((src[i] as number) - m) * s;
  return out;
}

/** `packed_planar_transpose`: HWC to CHW. */
export function transposePorts(ports: Record<string, unknown>): Record<string, unknown> {
  const image = ports.in_image as { data: Uint8Array; width: number; height: number; channels: number; layout: string; pixelFormat: string };
  if (!image || !(image.data instanceof Uint8Array)) throw new TypeError('packed_planar_transpose: in_image must be an image');
  if (image.layout === 'chw') return { out_image: image };
  const { width: w, height: h, channels: c, data } = image;
  const out = new Uint8Array(data.length);
  const plane = w * h;
  for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[k * plane + p] = data[p * c + k] as number;
  return { out_image: { data: out, width: w, height: h, channels: c, layout: 'chw', pixelFormat: image.pixelFormat } };
}

/** rgb <-> bgr <-> gray for interleaved images. */
export function convertPixelFormat(image: Image, to: 'rgb' | 'bgr' | 'gray'): Image {
  if (image.pixelFormat === to) return image;
  if (image.layout !== 'hwc') throw new Error('pixel format conversion needs an interleaved (hwc) image');
  const n = image.width * image.height;
  const src = image.data;
  if (to === 'gray') {
    if (image.channels !== 3) throw new Error(`cannot make gray from ${image.pixelFormat}`);
    const [r, b] = image.pixelFormat === 'bgr' ? [2, 0] : [0, 2];
    const out = new Uint8Array(n);
    for (let p = 0; p < n; p++) out[p] = 0.299 * (src[p * 3 + r] as number) + 0.587 * (src[p * 3 + 1] as number) + 0.114 * (src[p * 3 + b] as number) + 0.5;
    return { ...image, data: out, channels: 1, pixelFormat: 'gray' };
  }
  const out = new Uint8Array(n * 3);
  if (image.channels === 1) {
    for (let p = 0; p < n; p++) out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = src[p] as number;
  } else {
    for (let p = 0; p < n; p++) {
      out[p * 3] = src[p * 3 + 2] as number;
      out[p * 3 + 1] = src[p * 3 + 1] as number;
      out[p * 3 + 2] = src[p * 3] as number;
    }
  }
  return { ...image, data: out, channels: 3, pixelFormat: to };
}

/** Binary PGM (P5) and PPM (P6), 8-bit. */
export function decodePnm(bytes: Uint8Array): Image {
  let pos = 0;
  const space = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && space(bytes[pos])) pos++;
      if (bytes[pos] !== 0x23) break;
      while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
    }
    const start = pos;
    while (pos < bytes.length && !space(bytes[pos])) pos++;
    return Buffer.from(bytes.subarray(start, pos)).toString('ascii');
  };
  const magic = token();
  if (magic !== 'P5' && magic !== 'P6') throw new Error(`not a binary PGM/PPM image (magic ${JSON.stringify(magic.slice(0, 2))})`);
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) throw new Error(`bad image size ${width}x${height}`);
  if (maxval !== 255) throw new Error(`only 8-bit images (maxval 255), got ${maxval}`);
  pos++;
  const channels = magic === 'P5' ? 1 : 3;
  const data = bytes.subarray(pos);
  if (data.length !== width * height * channels) throw new Error(`expected ${width * height * channels} pixel bytes, got ${data.length}`);
  return { data: new Uint8Array(data), width, height, channels, layout: 'hwc', pixelFormat: channels === 1 ? 'gray' : 'rgb' };
}
