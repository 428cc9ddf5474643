/** Fixed numbers and names of the GM-LC channel, shared by the hub (GM) and the client (LC). */

/** Bumped when a frame changes incompatibly; the hub refuses a hello with another version. */
export const WIRE_PROTOCOL_VERSION = 1;

/** Largest frame either side accepts; a bigger one closes the connection with 1009 (message too big). */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** HTTP header that names the LC's node on the websocket upgrade request (the original's header). */
export const NODE_NAME_HEADER = 'Node-Name';

export const DEFAULT_HEARTBEAT_MS = 5_000;
export const DEFAULT_NODE_GRACE_PERIOD_MS = 40_000;
/** How often the hub sends websocket pings; a peer that did not answer the previous one is cut. */
export const DEFAULT_PING_INTERVAL_MS = 10_000;
/** How long the hub waits for the hello frame after the upgrade. */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
/** Upstream messages the LC sends before it waits for acknowledgements. */
export const DEFAULT_UPSTREAM_WINDOW = 64;

/** Websocket close codes the channel uses (1xxx from RFC 6455, 4xxx our own). */
export const CloseCode = {
  Normal: 1000,
  /** The hub or the client shuts down. */
  GoingAway: 1001,
  /** The peer broke a rule the connection cannot survive (e.g. too many unacknowledged messages). */
  PolicyViolation: 1008,
  /** A frame exceeded MAX_FRAME_BYTES. */
  MessageTooBig: 1009,
  /** The hub failed to serve the node (hello hook or resync failed); the LC retries with backoff. */
  InternalError: 1011,
  /** A newer connection for the same node replaced this one. */
  Replaced: 4000,
  /** No hello frame within the hello timeout. */
  HelloTimeout: 4001,
  /** The hello frame was refused (protocol version, node name differing from the Node-Name header). */
  HelloRejected: 4002,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Explains a close code for logs on either side. */
export function describeCloseCode(code: number): string {
  switch (code) {
    case CloseCode.Normal:
      return 'normal closure';
    case CloseCode.GoingAway:
      return 'peer shutting down';
    case CloseCode.PolicyViolation:
      return 'policy violation';
    case CloseCode.MessageTooBig:
      return `message too big (limit ${MAX_FRAME_BYTES} bytes)`;
    case CloseCode.InternalError:
      return 'internal error on the hub';
    case CloseCode.Replaced:
      return 'replaced by a newer connection of the same node';
    case CloseCode.HelloTimeout:
      return 'no hello frame in time';
    case CloseCode.HelloRejected:
      return 'hello refused';
    case 1005:
      return 'closed without a status code';
    case 1006:
      return 'connection lost without a close frame';
    default:
      return `close code ${code}`;
  }
}
