/** Image units with ModelBox's names and ports: image_decode, resize, packed_planar_transpose, mean, normalize. */
import type { Tensor } from '../../../core/estimator.js';
import type { UnitDefinition, UnitInput, UnitOutput } from '../../types.js';
import { defineUnit, option } from '../define.js';
import { affine, affinePorts, decodePnm, isImage, resizePorts, transposePorts, type Image } from './image-ops.js';

/** The bytes of an HTTP request or a file: raw image bytes, or a PGM/PPM file. */
function bytesOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'object' && value !== null && (value as { body?: unknown }).body instanceof Uint8Array) return (value as { body: Uint8Array }).body;
  throw new TypeError('image_decode: in_data must be bytes (a Buffer) or an HTTP request with a body');
}

const imageDecode = defineUnit({
  name: 'image_decode',
  kind: 'normal',
  ignoresMeta: true,
  description: 'Decodes image bytes (binary PGM/PPM, or raw pixels of a given size) into an image',
  inputs: [['in_data', 'any']],
  outputs: [['out_image', 'image']],
  options: [
    { name: 'format', type: 'string', description: 'pnm (PGM/PPM files) or raw (width x height x channels bytes)', default: 'pnm' },
    { name: 'width', type: 'integer', description: 'raw: image width', default: 0 },
    { name: 'height', type: 'integer', description: 'raw: image height', default: 0 },
    { name: 'channels', type: 'integer', description: 'raw: 1 (gray) or 3 (rgb)', default: 1 },
  ],
  open(context) {
    const format = option<string>(context, 'format');
    if (format !== 'pnm' && format !== 'raw') throw new Error(`option format: pnm or raw, got ${JSON.stringify(format)}`);
    const [w, h, c] = [option<number>(context, 'width'), option<number>(context, 'height'), option<number>(context, 'channels')];
    if (format === 'raw' && !(w > 0 && h > 0 && (c === 1 || c === 3))) throw new Error('format raw needs width, height > 0 and channels 1 or 3');
    // Compared once here: an option's string is not interned, so each item's `format === 'pnm'` was a call of V8's
    // string comparison.
    const pnm = format === 'pnm';
    const imageOf = (value: unknown): Image => {
      const bytes = bytesOf(value);
      if (pnm) return decodePnm(bytes);
      if (bytes.length !== w * h * c) throw new Error(`expected ${w * h * c} bytes (${w}x${h}x${c}), got ${bytes.length}`);
      // The bytes are the pixels: a view of them, not a copy (units that change pixels write new arrays).
      return { data: bytes, width: w, height: h, channels: c, layout: 'hwc', pixelFormat: c === 1 ? 'gray' : 'rgb' };
    };
    const decode = (value: unknown): UnitOutput => ({ ports: { out_image: imageOf(value) } });
    return {
      // A loop, not batch.map with an arrow: no new function per call (each one's first call costs V8 a trip
      // through its lazy-compile builtin, on a stream's every item).
      process: (batch: readonly UnitInput[]) => {
        const outs = new Array<UnitOutput>(batch.length);
        for (let k = 0; k < batch.length; k++) outs[k] = decode((batch[k] as UnitInput).ports.in_data);
        return outs;
      },
      processOne: (input: UnitInput) => decode(input.ports.in_data),
      processValue: imageOf,
    };
  },
});

const resize = defineUnit({
  name: 'resize',
  kind: 'normal',
  ignoresMeta: true,
  description: 'Resizes an image (bilinear, or nearest)',
  inputs: [['in_image', 'image']],
  outputs: [['out_image', 'image']],
  options: [
    { name: 'image_width', type: 'integer', description: 'output width', required: true },
    { name: 'image_height', type: 'integer', description: 'output height', required: true },
    { name: 'interpolation', type: 'string', description: 'bilinear or nearest', default: 'bilinear' },
  ],
  cpuBound: true,
  threadFunction: resizePorts,
  open(context) {
    if (!(option<number>(context, 'image_width') > 0 && option<number>(context, 'image_height') > 0)) throw new Error('image_width and image_height must be positive');
    const interpolation = option<string>(context, 'interpolation');
    if (interpolation !== 'bilinear' && interpolation !== 'nearest') throw new Error(`option interpolation: bilinear or nearest, got ${JSON.stringify(interpolation)}`);
    return { process: (batch) => batch.map((item) => ({ ports: resizePorts(item.ports as Record<string, unknown>, context.options) })) };
  },
});

const transpose = defineUnit({
  name: 'packed_planar_transpose',
  kind: 'normal',
  ignoresMeta: true,
  description: 'Interleaved (HWC) image to planar (CHW)',
  inputs: [['in_image', 'image']],
  outputs: [['out_image', 'image']],
  cpuBound: true,
  threadFunction: transposePorts,
  open: () => ({ process: (batch) => batch.map((item) => ({ ports: transposePorts(item.ports as Record<string, unknown>) })) }),
});

function affineUnit(name: 'mean' | 'normalize', option: 'mean' | 'standard_deviation_inverse', description: string): UnitDefinition {
  return defineUnit({
    name,
    kind: 'normal',
    ignoresMeta: true,
    description,
    inputs: [['in_data', 'any']],
    outputs: [['out_data', 'tensor']],
    options: [{ name: option, type: 'list', description: `per channel, or one value for all (ModelBox writes "104, 117, 123")`, default: [name === 'mean' ? 0 : 1] }],
    cpuBound: true,
    threadFunction: affinePorts,
    open(context) {
      const values = context.options[option] as readonly unknown[];
      if (!values.every((v) => typeof v === 'number')) throw new Error(`option ${option} must be numbers, got ${JSON.stringify(values)}`);
      // Read once: each item is one call of affine() (what the worker threads run too, through affinePorts).
      const mean = option === 'mean' ? (values as number[]) : [0];
      const scale = option === 'standard_deviation_inverse' ? (values as number[]) : [1];
      const transformed = (value: unknown): Tensor => {
        if (!isImage(value) && !isTensor(value)) throw new TypeError(`${name}: in_data must be an image or a tensor`);
        return affine(value, mean, scale);
      };
      const one = (input: UnitInput): UnitOutput => ({ ports: { out_data: transformed(input.ports.in_data) } });
      return {
        process: (batch) => {
          const outs = new Array<UnitOutput>(batch.length);
          for (let k = 0; k < batch.length; k++) outs[k] = one(batch[k] as UnitInput);
          return outs;
        },
        processOne: one,
        processValue: transformed,
      };
    },
  });
}

function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && (value as Tensor).data instanceof Float32Array && Array.isArray((value as Tensor).shape);
}

export const imageUnits: UnitDefinition[] = [
  imageDecode,
  resize,
  transpose,
  affineUnit('mean', 'mean', 'Subtracts a mean per channel; gives a float32 tensor'),
  affineUnit('normalize', 'standard_deviation_inverse', 'Multiplies by the inverse standard deviation per channel; gives a float32 tensor'),
];
