/**
 * Sends bytes as they are (no client library cleaning them up) to an HTTP endpoint and reads the status line of the
 * answer: what an attacker on the same machine can send, not what a well-behaved client would.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface RawTarget {
  host: string;
  port: number;
  tls: boolean;
  /** A client certificate and key (PEM) presented over TLS: node APIs answer only the control plane's. */
  clientCert?: { cert: string; key: string };
}

export interface RawAnswer {
  /** The status of the first answer, or undefined when the server closed or went silent without one. */
  status: number | undefined;
  /** How the exchange ended without a status: closed, reset, timeout. */
  ended?: string;
}

/** Writes `request` and resolves with the status of the answer; never rejects. */
export function sendRaw(target: RawTarget, request: Buffer, timeoutMs = 5000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let done = false;
    let received = '';
    const socket: Socket = target.tls
      ? connectTls({ host: target.host, port: target.port, rejectUnauthorized: false, servername: 'localhost', ...(target.clientCert ?? {}) })
      : connectTcp({ host: target.host, port: target.port });
    const finish = (answer: RawAnswer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish({ status: undefined, ended: 'timeout' }), timeoutMs);
    socket.once(target.tls ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // An interim 100 Continue is not the answer: skip it and wait for the final status.
      while (/^HTTP\/1\.[01] 100 /.test(received) && received.includes('\r\n\r\n')) received = received.slice(received.indexOf('\r\n\r\n') + 4);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (match && match[1] !== '100') finish({ status: Number(match[1]) });
      else if (match) return;
      else if (received.length > 64 || received.includes('\r\n')) finish({ status: undefined, ended: `not HTTP: ${JSON.stringify(received.slice(0, 40))}` });
    });
    socket.on('error', (error) => finish({ status: undefined, ended: `error ${(error as NodeJS.ErrnoException).code ?? error.message}` }));
    socket.on('close', () => finish({ status: undefined, ended: 'closed' }));
  });
}
