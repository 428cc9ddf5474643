/**
 * How a message reaches a service and its result comes back, behind one interface so workers do not care whether it
 * is REST (the original paths) or the broker (NATS JetStream in place of Kafka). Results always go back to the camera
 * that sent the message: over REST as the answer to the request, over NATS on the subject of that camera (the
 * original's shared consumer group handed them to an arbitrary camera's worker).
 */
import type { DetTrackMessage } from './wire.js';

/** A service's handler: the result to send back to the sender, or undefined for none. */
export type MessageHandler = (message: DetTrackMessage) => Promise<DetTrackMessage | undefined>;

/** The caller's side: send to a service; results arrive through the handler given when it was made. */
export interface ClientTransport {
  readonly kind: 'rest' | 'nats';
  send(message: DetTrackMessage): Promise<void>;
  close(): Promise<void>;
}

/** The service's side: handles what arrives until closed. */
export interface ServerTransport {
  readonly kind: 'rest' | 'nats';
  close(): Promise<void>;
}

export interface TransportStats {
  received: number;
  answered: number;
  /** Malformed messages, refused with a reason. */
  rejected: number;
  /** The handler threw. */
  failed: number;
  lastRejection?: string;
}

export function newStats(): TransportStats {
  return { received: 0, answered: 0, rejected: 0, failed: 0 };
}
