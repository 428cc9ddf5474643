/**
 * Frames of the GM-LC channel: JSON text frames with a `type` discriminator. Sedna messages travel inside
 * `upstream` and `downstream` frames; the other frames carry what reliability needs (hello, resync, ack,
 * heartbeat, error). See README.md in this folder for the conversation.
 *
 * A frame's `message` is checked apart from the frame (checkUpstreamMessage / checkDownstreamMessage), so a
 * well-formed upstream frame with a bad message can still be answered by its id (a negative ack).
 */
import { isPlainObject, s, type Infer, type Schema } from '../schema/dsl.js';
import { checkDns1123Subdomain, checkLabelValue, checkQualifiedName } from '../meta/names.js';
import { NodeAddressSchema, NodeConditionSchema } from '../core/others.js';
import { DEFAULT_MAX_DEPTH, jsonDepth } from '../guard/nesting.js';

/** Frames wrap an object (header, content, status) a few levels above its own nesting limit. */
const MAX_FRAME_DEPTH = DEFAULT_MAX_DEPTH + 8;

const frameId = () => s.int64({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** What an LC tells about its node when it connects. */
export const NodeHelloSchema = s.object({
  name: s.string({ minLength: 1, refine: checkDns1123Subdomain }),
  /** Kubernetes NodeAddress entries: `{type: InternalIP | ExternalIP | Hostname, address}`. */
  addresses: s.array(NodeAddressSchema).default([]),
  /** Node labels, e.g. the edge/cloud role (`node-role.kubernetes.io/edge: ""`). */
  labels: s.map(s.string({ refine: checkLabelValue }), checkQualifiedName).default({}),
  /** The LC's software version. */
  version: s.string({ minLength: 1 }),
  /** The host's facts for the Node's `status.nodeInfo` (architecture, osImage, kernelVersion, ...). */
  nodeInfo: s.map(s.string()).optional(),
  /** `status.capacity` (cpu, memory, pods); allocatable is the same (nothing is reserved). */
  capacity: s.map(s.string()).optional(),
});
export type NodeHello = Infer<typeof NodeHelloSchema>;

// ---- LC to GM -------------------------------------------------------------------------------------------

export const HelloFrameSchema = s.object({
  type: s.enum('hello'),
  protocol: s.int32({ minimum: 1 }),
  node: NodeHelloSchema,
  /**
   * Identity of the LC's outbox. Upstream ids are unique within one epoch; a new epoch (a fresh outbox file)
   * tells the hub to forget the ids it has seen from this node.
   */
  outboxEpoch: s.string({ minLength: 1, maxLength: 128 }),
});

export const UpstreamFrameSchema = s.object({
  type: s.enum('upstream'),
  /** Per-LC increasing id; the GM acknowledges by it. */
  id: frameId(),
  /** An UpstreamMessage, checked separately. */
  message: s.any(),
});

export const HeartbeatFrameSchema = s.object({
  type: s.enum('heartbeat'),
  /**
   * The node's pressure conditions (DiskPressure, as the kubelet's), carried by the heartbeat rather than the outbox:
   * a full disk is exactly when the outbox cannot store them.
   */
  conditions: s.array(NodeConditionSchema, { uniqueKey: 'type' }).optional(),
});

export type HelloFrame = Infer<typeof HelloFrameSchema>;
export type UpstreamFrame = Infer<typeof UpstreamFrameSchema>;
export type HeartbeatFrame = Infer<typeof HeartbeatFrameSchema>;
/** A frame the LC sends. */
export type LcFrame = HelloFrame | UpstreamFrame | HeartbeatFrame;

// ---- GM to LC -------------------------------------------------------------------------------------------

export const WelcomeFrameSchema = s.object({
  type: s.enum('welcome'),
  protocol: s.int32({ minimum: 1 }),
  /** The hub pings this often; the LC treats a longer silence as a dead GM. */
  pingIntervalMs: s.int32({ minimum: 1 }),
  /** The hub marks the node NotReady after this long without a heartbeat. */
  gracePeriodMs: s.int32({ minimum: 1 }),
});

export const ResyncBeginFrameSchema = s.object({
  type: s.enum('resync-begin'),
  /** How many downstream frames follow before resync-end. */
  count: s.int32({ minimum: 0 }),
});

export const DownstreamFrameSchema = s.object({
  type: s.enum('downstream'),
  /** A DownstreamMessage, checked separately. */
  message: s.any(),
});

export const ResyncEndFrameSchema = s.object({ type: s.enum('resync-end') });

export const AckFrameSchema = s.object({ type: s.enum('ack'), id: frameId() });

export const NackFrameSchema = s.object({
  type: s.enum('nack'),
  id: frameId(),
  /** Why the GM could not apply the message; the LC logs it and drops the message. */
  reason: s.string(),
});

export const WIRE_ERROR_CODES = [
  'BadJson',
  'NotAnObject',
  'BinaryFrame',
  'UnknownFrameType',
  'InvalidFrame',
  'UnexpectedFrame',
  'ProtocolMismatch',
  'NodeNameMismatch',
  'HelloRejected',
  'ResyncFailed',
] as const;
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];

export const ErrorFrameSchema = s.object({
  type: s.enum('error'),
  code: s.enum(...WIRE_ERROR_CODES),
  message: s.string(),
});

export type WelcomeFrame = Infer<typeof WelcomeFrameSchema>;
export type ResyncBeginFrame = Infer<typeof ResyncBeginFrameSchema>;
export type DownstreamFrame = Infer<typeof DownstreamFrameSchema>;
export type ResyncEndFrame = Infer<typeof ResyncEndFrameSchema>;
export type AckFrame = Infer<typeof AckFrameSchema>;
export type NackFrame = Infer<typeof NackFrameSchema>;
export type ErrorFrame = Infer<typeof ErrorFrameSchema>;
/** A frame the GM sends. */
export type GmFrame = WelcomeFrame | ResyncBeginFrame | DownstreamFrame | ResyncEndFrame | AckFrame | NackFrame | ErrorFrame;

// ---- parsing --------------------------------------------------------------------------------------------

export type FrameParseResult<F> =
  | { ok: true; frame: F }
  | { ok: false; code: WireErrorCode; message: string };

type SchemaTable<F extends { type: string }> = { [T in F['type']]: Schema<Extract<F, { type: T }>> };

function frameParser<F extends { type: string }>(schemas: SchemaTable<F>, sender: string) {
  const known = Object.keys(schemas) as F['type'][];
  return (text: string): FrameParseResult<F> => {
    let value: unknown;
    // Bounded before parsing: a frame nested thousands of levels deep would overflow whatever walks it later.
    const depth = jsonDepth(text);
    if (depth > MAX_FRAME_DEPTH) return { ok: false, code: 'BadJson', message: `frame is nested ${depth} levels deep; at most ${MAX_FRAME_DEPTH} are accepted` };
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { ok: false, code: 'BadJson', message: `frame is not valid JSON: ${(err as Error).message}` };
    }
    if (!isPlainObject(value)) return { ok: false, code: 'NotAnObject', message: 'frame must be a JSON object' };
    const type = value.type;
    if (typeof type !== 'string') return { ok: false, code: 'InvalidFrame', message: 'frame has no string field "type"' };
    if (!(known as string[]).includes(type)) {
      return { ok: false, code: 'UnknownFrameType', message: `unknown frame type ${JSON.stringify(type)} from the ${sender}; known: ${known.join(', ')}` };
    }
    const schema = schemas[type as F['type']] as Schema<F>;
    // Unknown keys are pruned: a newer peer may add fields an older one does not know.
    const { value: frame, errors } = schema.parse(value, 'prune');
    if (errors.length > 0 || frame === undefined) {
      const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      return { ok: false, code: 'InvalidFrame', message: `invalid ${type} frame: ${detail}` };
    }
    return { ok: true, frame };
  };
}

/** Parses a text frame received by the GM (sent by an LC). Never throws. */
export const parseLcFrame = frameParser<LcFrame>(
  { hello: HelloFrameSchema, upstream: UpstreamFrameSchema, heartbeat: HeartbeatFrameSchema },
  'LC',
);

/** Parses a text frame received by the LC (sent by the GM). Never throws. */
export const parseGmFrame = frameParser<GmFrame>(
  {
    welcome: WelcomeFrameSchema,
    'resync-begin': ResyncBeginFrameSchema,
    downstream: DownstreamFrameSchema,
    'resync-end': ResyncEndFrameSchema,
    ack: AckFrameSchema,
    nack: NackFrameSchema,
    error: ErrorFrameSchema,
  },
  'GM',
);

export function encodeFrame(frame: LcFrame | GmFrame): string {
  return JSON.stringify(frame);
}
