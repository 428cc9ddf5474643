/**
 * Certificates for the API server's HTTPS. Kubernetes clients (kubectl, client-go) send bearer tokens only over
 * TLS, so the embedded server always serves HTTPS: a CA made once per data dir, and a server certificate signed by
 * it for the addresses clients use (re-issued when the list of addresses grows). The `openssl` command does the
 * cryptography (Debian package `openssl`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface ServerCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('the `openssl` command is needed to make the API server certificates: apt-get install openssl', { cause: err });
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? e.message}`, { cause: err });
  }
}

/** Returns the CA and a server certificate valid for `names` (host names and IP addresses). */
export function ensureServerCertificate(dir: string, names: readonly string[]): ServerCertificate {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca.key');
  const caCrt = join(dir, 'ca.crt');
  if (!existsSync(caKey) || !existsSync(caCrt)) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650', '-subj', '/CN=sedna-ca', '-keyout', 'ca.key', '-out', 'ca.crt'], dir);
  }
  const wanted = [...new Set(['localhost', '127.0.0.1', ...names])].sort();
  const namesFile = join(dir, 'apiserver.names');
  const key = join(dir, 'apiserver.key');
  const crt = join(dir, 'apiserver.crt');
  const current = existsSync(namesFile) ? readFileSync(namesFile, 'utf8').split('\n').filter(Boolean) : [];
  if (!existsSync(crt) || !existsSync(key) || wanted.some((n) => !current.includes(n))) {
    const san = wanted.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    writeFileSync(join(dir, 'apiserver.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=sedna-apiserver', '-keyout', 'apiserver.key', '-out', 'apiserver.csr'], dir);
    openssl(['x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-extfile', 'apiserver.ext', '-out', 'apiserver.crt'], dir);
    writeFileSync(namesFile, wanted.join('\n') + '\n');
  }
  return { caPem: readFileSync(caCrt, 'utf8'), certPem: readFileSync(crt, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}
