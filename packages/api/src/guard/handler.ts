/** Wrapping request and upgrade handlers so that nothing they throw or reject leaves them. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { MalformedRequest } from './malformed.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface GuardOptions {
  /** Answers an error the handler let escape; by default 4xx MalformedRequests as JSON `{error}` and 500 otherwise. */
  answer?: (res: ServerResponse, status: number, reason: string) => void;
  log?: (line: string) => void;
  name?: string;
}

function defaultAnswer(res: ServerResponse, status: number, reason: string): void {
  const body = JSON.stringify({ error: reason });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(status === 413 ? { connection: 'close' } : {}) });
  res.end(body);
}

/** Status and reason for an error caught at an entry point: a MalformedRequest keeps its 4xx, anything else is 500. */
export function statusOf(error: unknown): { status: number; reason: string } {
  if (error instanceof MalformedRequest) return { status: error.status, reason: error.message };
  return { status: 500, reason: `internal error: ${error instanceof Error ? error.message : String(error)}` };
}

/** A request handler whose synchronous throws and rejected promises are answered, never propagated. */
export function guardRequests(handler: RequestHandler, options: GuardOptions = {}): RequestHandler {
  const answer = options.answer ?? defaultAnswer;
  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    const { status, reason } = statusOf(error);
    if (status >= 500) (options.log ?? ((l: string) => console.error(l)))(`${options.name ?? 'server'}: ${req.method} ${String(req.url).slice(0, 200)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    try {
      if (res.headersSent) res.destroy();
      else answer(res, status, reason);
    } catch {
      res.destroy();
    }
  };
  return (req, res) => {
    try {
      const result = handler(req, res);
      if (result instanceof Promise) result.catch((error: unknown) => fail(req, res, error));
    } catch (error) {
      fail(req, res, error);
    }
  };
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => unknown;

/** Answers an upgrade request with a plain HTTP status and closes the socket. */
export function refuseSocket(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  try {
    socket.end(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  } catch {
    socket.destroy();
  }
}

/** An upgrade handler whose throws and rejections end in a plain HTTP answer on the socket. */
export function guardUpgrades(handler: UpgradeHandler, options: GuardOptions = {}): UpgradeHandler {
  const fail = (req: IncomingMessage, socket: Duplex, error: unknown): void => {
    const { status, reason } = statusOf(error);
    if (status >= 500) (options.log ?? ((l: string) => console.error(l)))(`${options.name ?? 'server'}: upgrade ${String(req.url).slice(0, 200)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (socket.writable) refuseSocket(socket, status, reason);
    else socket.destroy();
  };
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      const result = handler(req, socket, head);
      if (result instanceof Promise) result.catch((error: unknown) => fail(req, socket, error));
    } catch (error) {
      fail(req, socket, error);
    }
  };
}
