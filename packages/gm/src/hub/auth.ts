/** Checks done on the websocket upgrade request, before any websocket exists. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { NODE_NAME_HEADER, checkDns1123Subdomain } from '@sedna/api';

export type UpgradeVerdict =
  | { ok: true; nodeName: string }
  | { ok: false; status: 400 | 401; message: string };

/** Decides whether `token` may speak for `nodeName` (per-node credentials; see packages/gm/src/credentials). */
export type Authenticator = (token: string, nodeName: string) => Promise<{ ok: true } | { ok: false; message: string }> | { ok: true } | { ok: false; message: string };

/** Compares in constant time so the token cannot be guessed byte by byte from response times. */
function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * With a shared token it is checked first, so an unauthenticated caller learns nothing about node names; with an
 * authenticator the node name is needed to find the node's credential (a wrong name fails as a wrong token does).
 */
export async function verifyUpgrade(request: IncomingMessage, auth: string | Authenticator): Promise<UpgradeVerdict> {
  const authorization = request.headers.authorization;
  if (authorization === undefined || authorization === '') {
    return { ok: false, status: 401, message: 'missing Authorization: Bearer <token> header' };
  }
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  if (!match || (typeof auth === 'string' && !tokensEqual(match[1]!, auth))) return { ok: false, status: 401, message: 'invalid bearer token' };

  const raw = request.headers[NODE_NAME_HEADER.toLowerCase()];
  const nodeName = Array.isArray(raw) ? raw[0] : raw;
  if (nodeName === undefined || nodeName === '') return { ok: false, status: 400, message: `missing ${NODE_NAME_HEADER} header` };
  const nameError = checkDns1123Subdomain(nodeName);
  if (nameError) return { ok: false, status: 400, message: `invalid ${NODE_NAME_HEADER} header ${JSON.stringify(nodeName)}: ${nameError}` };
  if (typeof auth !== 'string') {
    const verdict = await auth(match[1]!, nodeName);
    if (!verdict.ok) return { ok: false, status: 401, message: verdict.message };
  }
  return { ok: true, nodeName };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/** Answers an upgrade request with a plain HTTP error and closes the socket (no websocket is made). */
export function refuseUpgrade(socket: Duplex, status: 400 | 401 | 404 | 503, message: string): void {
  const body = message + '\n';
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (status === 401) lines.push('WWW-Authenticate: Bearer realm="sedna-gm"');
  socket.end(lines.join('\r\n') + '\r\n\r\n' + body);
}
