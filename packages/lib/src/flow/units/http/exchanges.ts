/**
 * The HTTP requests waiting for their reply, shared by `httpserver_sync_receive` (which parks them) and
 * `httpserver_sync_reply` (which answers them): the item carries the exchange's key in its meta.
 */
import type { ServerResponse } from 'node:http';

export const EXCHANGE_META = 'http_exchange';

export interface Exchange {
  readonly response: ServerResponse;
  readonly timer: NodeJS.Timeout;
}

const waiting = new Map<string, Exchange>();
let next = 0;

export function park(response: ServerResponse, timeoutMs: number, onTimeout: () => void): string {
  const key = `x${++next}`;
  const timer = setTimeout(() => {
    if (!waiting.delete(key)) return;
    onTimeout();
  }, timeoutMs);
  waiting.set(key, { response, timer });
  return key;
}

/** Takes the exchange out (undefined when it timed out or was answered). */
export function claim(key: unknown): Exchange | undefined {
  if (typeof key !== 'string') return undefined;
  const exchange = waiting.get(key);
  if (!exchange) return undefined;
  waiting.delete(key);
  clearTimeout(exchange.timer);
  return exchange;
}

export function waitingCount(): number {
  return waiting.size;
}
