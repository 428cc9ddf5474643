/**
 * Binary websocket frames of the aggregation protocol: a JSON header (the protocol message without its weights)
 * and the weights, in one frame so that nothing can come between them. Layout, little-endian:
 *
 *   "SFL1" | header length u32 | header (UTF-8 JSON object) | zero padding to 4 bytes | body
 *
 * The body is empty (a header-only frame), or the weights in one of the lib's two encodings, told apart by their
 * own magic: the transmitter's weights message ("SDNW", float32, src/transmitter/weights-codec.ts) or a compression
 * container ("SWC", Float16/Int8Linear/TopK/Float32, src/algorithms/compression).
 */
import { createCodec, registerCompression } from '../../algorithms/compression/index.js';
import type { WeightCodec } from '../../algorithms/compression/codecs.js';
import { codecOf, decodeWeights } from '../../algorithms/compression/decode.js';
import type { AlgorithmSpec } from '../../common/config.js';
import type { WeightTensor } from '../estimator.js';
import { decodeWeightsMessage, encodeWeightsMessage } from '../../transmitter/weights-codec.js';
import { ProtocolError, isObject } from './protocol.js';

const FRAME_MAGIC = [0x53, 0x46, 0x4c, 0x31]; // "SFL1"
const WEIGHTS_MESSAGE_MAGIC = [0x53, 0x44, 0x4e, 0x57]; // "SDNW"
const CONTAINER_MAGIC = [0x53, 0x57, 0x43]; // "SWC"
/** A header is a small JSON object; anything larger is a corrupt or hostile frame. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

export interface DecodedFrame {
  readonly header: Record<string, unknown>;
  /** Undefined for a header-only frame. */
  readonly weights: WeightTensor[] | undefined;
  /** The body's encoding: `Float32` for the transmitter's weights message, else the codec name. */
  readonly encoding: string | undefined;
}

/** How weights are put into frames: the transmitter's float32 message, or a compression codec. */
export class WeightsEncoder {
  private readonly codec: WeightCodec | undefined;

  /** `compression` names a codec (`Float16`, `Int8Linear`, `TopK`, `Float32`); none means the float32 message. */
  constructor(compression?: AlgorithmSpec | string) {
    if (compression === undefined || compression === '') return;
    registerCompression();
    this.codec = createCodec(typeof compression === 'string' ? { method: compression, param: {} } : compression);
  }

  /** The codec name, or undefined for the plain float32 message. */
  get compression(): string | undefined {
    return this.codec?.name;
  }

  /**
   * The weights' bytes. A codec refuses non-finite values; such weights go out as the float32 message, so the
   * aggregator sees them and names the worker in its rejection instead of the worker failing on its own.
   */
  encode(weights: readonly WeightTensor[]): Uint8Array {
    if (this.codec !== undefined) {
      try {
        return this.codec.encode(weights);
      } catch {
        // fall through to the uncompressed form
      }
    }
    return encodeWeightsMessage({ weights });
  }
}

export function encodeFrame(header: Record<string, unknown>, body?: Uint8Array): Uint8Array {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const bodyOffset = align4(8 + headerBytes.length);
  const frame = new Uint8Array(bodyOffset + (body?.length ?? 0));
  frame.set(FRAME_MAGIC, 0);
  new DataView(frame.buffer).setUint32(4, headerBytes.length, true);
  frame.set(headerBytes, 8);
  if (body !== undefined) frame.set(body, bodyOffset);
  return frame;
}

export interface DecodeFrameOptions {
  /**
   * Float32 weights (the transmitter's weights message) as views into `frame` where it is aligned, not copies:
   * for a receiver that owns the frame, such as the aggregation server with a websocket message. A copy needs
   * fresh memory as large as the weights, and first touching fresh memory costs more than the copy itself.
   */
  readonly view?: boolean;
}

/** Decodes a frame; every problem is a ProtocolError that says what is wrong. */
export function decodeFrame(frame: Uint8Array, options: DecodeFrameOptions = {}): DecodedFrame {
  if (frame.length < 8 || FRAME_MAGIC.some((byte, index) => frame[index] !== byte)) {
    throw new ProtocolError(`a binary frame must start with "SFL1" (this one has ${frame.length} bytes starting ${hex(frame.subarray(0, 4))})`);
  }
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(4, true);
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > frame.length) {
    throw new ProtocolError(`the frame claims a ${headerLength}-byte header but has ${frame.length - 8} bytes after the length`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new ProtocolError(`the frame header is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(header)) throw new ProtocolError('the frame header must be a JSON object');
  const body = frame.subarray(Math.min(frame.length, align4(8 + headerLength)));
  if (body.length === 0) return { header, weights: undefined, encoding: undefined };
  return { header, ...decodeWeightsBody(body, options) };
}

/** The weights in a body of either encoding. */
export function decodeWeightsBody(body: Uint8Array, options: DecodeFrameOptions = {}): { weights: WeightTensor[]; encoding: string } {
  try {
    if (startsWith(body, WEIGHTS_MESSAGE_MAGIC)) return { weights: [...decodeWeightsMessage(body, options).weights], encoding: 'Float32' };
    if (startsWith(body, CONTAINER_MAGIC)) {
      const weights = decodeWeights(body);
      return { weights, encoding: codecOf(body) };
    }
  } catch (error) {
    throw new ProtocolError(`the frame's weights cannot be decoded: ${(error as Error).message}`);
  }
  throw new ProtocolError(`the frame's weights are in no known encoding (they start ${hex(body.subarray(0, 4))})`);
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, index) => bytes[index] === byte);
}

function align4(value: number): number {
  return (value + 3) & ~3;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('') || '(nothing)';
}
