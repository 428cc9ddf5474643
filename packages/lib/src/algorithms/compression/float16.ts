/**
 * IEEE 754 half precision (binary16) conversion. Node 20 has no Float16Array, so the bits are built by hand:
 * 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; round to nearest, ties to even.
 */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The binary16 bits of `value` (rounded to nearest even; beyond ±65504 it becomes ±Infinity). */
export function toFloat16Bits(value: number): number {
  scratch[0] = value;
  const bits = scratchBits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0); // NaN stays NaN
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal in half precision: value = m · 2^-24, m = (1.mantissa) · 2^(halfExponent + 9) shifted into 10 bits.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

let decodeTable: Float32Array | undefined;

/** All 65536 half values as float32, built once (256 KiB): decoding is then one lookup per value. */
function halfToFloatTable(): Float32Array {
  if (decodeTable !== undefined) return decodeTable;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const negative = (bits & 0x8000) !== 0;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    let magnitude: number;
    if (exponent === 0) magnitude = mantissa * 2 ** -24;
    else if (exponent === 0x1f) magnitude = mantissa === 0 ? Number.POSITIVE_INFINITY : Number.NaN;
    else magnitude = (1 + mantissa / 1024) * 2 ** (exponent - 15);
    table[bits] = negative ? -magnitude : magnitude;
  }
  decodeTable = table;
  return table;
}

export function fromFloat16Bits(bits: number): number {
  return halfToFloatTable()[bits & 0xffff]!;
}

/** Largest finite half value. */
export const FLOAT16_MAX = 65504;

export function encodeFloat16(values: Float32Array, out: Uint16Array): void {
  for (let index = 0; index < values.length; index++) out[index] = toFloat16Bits(values[index]!);
}

export function decodeFloat16(bits: Uint16Array, out: Float32Array): void {
  const table = halfToFloatTable();
  for (let index = 0; index < bits.length; index++) out[index] = table[bits[index]!]!;
}
