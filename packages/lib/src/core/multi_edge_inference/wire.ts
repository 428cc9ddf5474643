/**
 * The messages multi-edge workers exchange (the original's DetTrackResult), as a JSON header plus binary
 * attachments instead of Python pickles (Python-only, and unpickling runs code):
 *
 *   u32 big-endian header length | UTF-8 JSON header | attachment bytes, back to back
 *
 * The header keeps the original's snake-case fields (`frame_index`, `camera`, `bbox_coord`, `confidence`,
 * `tracklets`, `detection_time` in ISO 8601, `userID`, `targetID`, `is_target`) and lists its attachments by name,
 * kind and length: `crop` (raw RGB, `width`x`height`, one per box), `scene` (the frame, raw RGB or JPEG) and
 * `features` (one Float32Array of `count` x `dim`, little-endian). The same bodies travel over REST and NATS.
 */

export const WIRE_CONTENT_TYPE = 'application/x-sedna-multiedge';
export const MAX_HEADER_BYTES = 1 << 20;

export interface AttachmentInfo {
  name: string;
  kind: 'crop' | 'scene' | 'features' | 'image';
  bytes: number;
  width?: number;
  height?: number;
  /** `rgb24` raw pixels, `jpeg`, or `f32` for features. */
  format: 'rgb24' | 'jpeg' | 'png' | 'f32';
  /** features: rows x dim */
  count?: number;
  dim?: number;
}

export interface DetTrackHeader {
  /** Who sent it; results go back to this camera. */
  camera: string;
  frame_index: number;
  /** When the frame was captured (ISO 8601). */
  detection_time: string;
  /** Capture time in ms since the epoch, for latency figures. */
  capture_ms?: number;
  userID?: string;
  /** [x1, y1, x2, y2] per box, in the camera's pixels. */
  bbox_coord: [number, number, number, number][];
  confidence: number[];
  /** Tracking id per box; -1 in detection mode. */
  tracklets: number[];
  /** Matched target per box (ReID), '' when none. */
  targetID?: string[];
  is_target?: number;
  attachments: AttachmentInfo[];
  /** Anything else the sender wants to pass along (kept as is). */
  extra?: Record<string, unknown>;
}

export interface DetTrackMessage {
  header: DetTrackHeader;
  /** Attachment bytes, in the order of header.attachments. */
  attachments: Uint8Array[];
}

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export function encodeMessage(message: DetTrackMessage): Buffer {
  const { header, attachments } = message;
  if (header.attachments.length !== attachments.length) throw new WireError(`header lists ${header.attachments.length} attachments, ${attachments.length} given`);
  header.attachments.forEach((a, i) => {
    if (a.bytes !== attachments[i]!.byteLength) throw new WireError(`attachment ${a.name}: header says ${a.bytes} bytes, ${attachments[i]!.byteLength} given`);
  });
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(json.length, 0);
  return Buffer.concat([prefix, json, ...attachments.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))]);
}

/** The bytes `encodeMessage` would produce, without copying the attachments (for counting what is sent up). */
export function wireSize(message: DetTrackMessage): number {
  return 4 + Buffer.byteLength(JSON.stringify(message.header), 'utf8') + message.attachments.reduce((n, a) => n + a.byteLength, 0);
}

function need(cond: boolean, message: string): asserts cond {
  if (!cond) throw new WireError(message);
}

/** Parses and checks a body; a malformed one throws a WireError saying what is wrong. */
export function decodeMessage(body: Uint8Array): DetTrackMessage {
  need(body.byteLength >= 4, `message too short (${body.byteLength} bytes): expected a 4-byte header length`);
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const length = buf.readUInt32BE(0);
  need(length <= MAX_HEADER_BYTES && 4 + length <= buf.length, `header length ${length} does not fit the ${buf.length}-byte message`);
  let header: DetTrackHeader;
  try {
    header = JSON.parse(buf.subarray(4, 4 + length).toString('utf8')) as DetTrackHeader;
  } catch (err) {
    throw new WireError(`header is not JSON: ${(err as Error).message}`);
  }
  need(typeof header === 'object' && header !== null, 'header must be a JSON object');
  need(typeof header.camera === 'string' && header.camera !== '', 'header field camera must be a non-empty string');
  need(Number.isInteger(header.frame_index), 'header field frame_index must be an integer');
  need(Array.isArray(header.bbox_coord) && header.bbox_coord.every((b) => Array.isArray(b) && b.length === 4 && b.every(Number.isFinite)), 'header field bbox_coord must be a list of [x1, y1, x2, y2]');
  need(Array.isArray(header.confidence) && header.confidence.length === header.bbox_coord.length, 'header field confidence must have one value per box');
  need(Array.isArray(header.tracklets) && header.tracklets.length === header.bbox_coord.length, 'header field tracklets must have one value per box');
  need(Array.isArray(header.attachments), 'header field attachments must be a list');
  const attachments: Uint8Array[] = [];
  let offset = 4 + length;
  for (const a of header.attachments) {
    need(typeof a.bytes === 'number' && a.bytes >= 0 && offset + a.bytes <= buf.length, `attachment ${String(a.name)} (${String(a.bytes)} bytes) runs past the end of the message`);
    if (a.format === 'rgb24') need(a.width! > 0 && a.height! > 0 && a.width! * a.height! * 3 === a.bytes, `attachment ${a.name}: ${a.width}x${a.height} RGB needs ${a.width! * a.height! * 3} bytes, has ${a.bytes}`);
    if (a.format === 'f32') need(a.count! >= 0 && a.dim! > 0 && a.count! * a.dim! * 4 === a.bytes, `attachment ${a.name}: ${a.count}x${a.dim} float32 needs ${a.count! * a.dim! * 4} bytes, has ${a.bytes}`);
    attachments.push(new Uint8Array(buf.buffer, buf.byteOffset + offset, a.bytes));
    offset += a.bytes;
  }
  need(offset === buf.length, `${buf.length - offset} bytes after the last attachment`);
  return { header, attachments };
}

export interface Crop {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** The per-box crops of a message. */
export function cropsOf(message: DetTrackMessage): Crop[] {
  return message.header.attachments.flatMap((a, i) => (a.kind === 'crop' && a.format === 'rgb24' ? [{ width: a.width!, height: a.height!, rgb: message.attachments[i]! }] : []));
}

/** The features of a message (rows of `dim`), or undefined. */
export function featuresOf(message: DetTrackMessage): { dim: number; rows: Float32Array[] } | undefined {
  const i = message.header.attachments.findIndex((a) => a.kind === 'features');
  if (i < 0) return undefined;
  const a = message.header.attachments[i]!;
  const raw = message.attachments[i]!;
  // Copy: the attachment may not be 4-byte aligned inside the message.
  const all = new Float32Array(new Uint8Array(raw).buffer);
  return { dim: a.dim!, rows: Array.from({ length: a.count! }, (_, r) => all.subarray(r * a.dim!, (r + 1) * a.dim!)) };
}

export function cropAttachment(name: string, crop: Crop): { info: AttachmentInfo; bytes: Uint8Array } {
  return { info: { name, kind: 'crop', format: 'rgb24', width: crop.width, height: crop.height, bytes: crop.rgb.byteLength }, bytes: crop.rgb };
}

export function featuresAttachment(rows: Float32Array[], dim: number): { info: AttachmentInfo; bytes: Uint8Array } {
  const all = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => all.set(r, i * dim));
  return { info: { name: 'features', kind: 'features', format: 'f32', count: rows.length, dim, bytes: all.byteLength }, bytes: new Uint8Array(all.buffer) };
}

/** A copy of `message` with its crops replaced by features (what the feature extractor sends back). */
export function withFeatures(message: DetTrackMessage, rows: Float32Array[], dim: number): DetTrackMessage {
  const f = featuresAttachment(rows, dim);
  return { header: { ...message.header, attachments: [f.info] }, attachments: [f.bytes] };
}
