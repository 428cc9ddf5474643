/**
 * One subscribed training worker on the aggregator's side: its socket, how it speaks (binary frames or the original's
 * JSON) and the bytes sent to it.
 */
import { WebSocket } from 'ws';
import type { Wire } from '../protocol.js';

export class ClientSession {
  bytesSent = 0;

  constructor(
    readonly id: string,
    readonly wire: Wire,
    readonly socket: WebSocket,
    readonly connectedAt: Date,
  ) {}

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends a JSON text frame; a closed socket drops it (the worker resynchronises when it rejoins). */
  sendJson(message: unknown): void {
    this.sendText(JSON.stringify(message));
  }

  sendText(text: string): void {
    if (!this.open) return;
    this.bytesSent += Buffer.byteLength(text);
    this.socket.send(text, { binary: false });
  }

  sendBinary(frame: Uint8Array): void {
    if (!this.open) return;
    this.bytesSent += frame.length;
    this.socket.send(frame, { binary: true });
  }
}
