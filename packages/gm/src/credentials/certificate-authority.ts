/**
 * The control plane's CA, signing certificates for nodes (their node API, at bootstrap) and for the control plane
 * itself (its client identity towards node APIs). The `openssl` command does the cryptography, as for the API
 * server's certificates. It signs requests only: a node's key never leaves the node.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertificateRequest {
  /** Subject as openssl writes it, e.g. /O=sedna:nodes/CN=system:node:edge-1 (it replaces the request's). */
  subject: string;
  /** Host names and IP addresses. */
  names?: string[];
  usages: Array<'serverAuth' | 'clientAuth'>;
  days?: number;
}

function openssl(args: string[], cwd: string, input?: string): string {
  try {
    return execFileSync('openssl', args, { cwd, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the `openssl` command is needed for node certificates: apt-get install openssl', { cause: err });
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() ?? e.message}`, { cause: err });
  }
}

function withTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'sedna-ca-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class CertificateAuthority {
  constructor(
    readonly certPem: string,
    private readonly keyPem: string,
  ) {}

  /** Signs a certificate request with the subject, names and usages given here (the request only gives the key). */
  sign(csrPem: string, request: CertificateRequest): string {
    if (!csrPem.includes('BEGIN CERTIFICATE REQUEST')) throw new Error('csr: not a PEM certificate request');
    return withTempDir((dir) => {
      writeFileSync(join(dir, 'ca.crt'), this.certPem);
      writeFileSync(join(dir, 'ca.key'), this.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, 'req.pem'), csrPem);
      openssl(['req', '-verify', '-noout', '-in', 'req.pem'], dir);
      const names = request.names ?? [];
      const lines = [`extendedKeyUsage=${request.usages.join(',')}`, 'keyUsage=critical,digitalSignature,keyEncipherment', 'basicConstraints=critical,CA:FALSE'];
      if (names.length) lines.push(`subjectAltName=${names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}`);
      writeFileSync(join(dir, 'ext.cnf'), lines.join('\n') + '\n');
      openssl(['x509', '-req', '-in', 'req.pem', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', String(request.days ?? 365), '-subj', request.subject, '-extfile', 'ext.cnf', '-out', 'cert.pem'], dir);
      return readFileSync(join(dir, 'cert.pem'), 'utf8');
    });
  }
}
