/**
 * A node's identity, kept in `<data-dir>/credential/`: the token of this node alone for the GM channel, and the
 * node API's key and certificate (signed by the control plane's CA). Made once by a bootstrap: the key and a
 * certificate request are made here (the key never leaves the node), and a bootstrap token buys the rest at
 * `POST <GM>/bootstrap/node` (see packages/api/src/wire/credentials.ts). Later starts reuse what is stored.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTSTRAP_PATH, nodeCommonName, type BootstrapRequest, type BootstrapResponse } from '@sedna/api';

export interface NodeIdentity {
  token: string;
  certPem: string;
  keyPem: string;
  caPem: string;
}

export interface BootstrapOptions {
  /** `<data-dir>` of the LC; the identity goes to its `credential/` folder. */
  dataDir: string;
  /** The GM's wss:// URL(s). */
  gmUrls: string[];
  /** The control plane's CA, to trust the GM. */
  caPem: string;
  /** A bootstrap token (or, for a single-machine `sedna up`, the shared node token). */
  token: string;
  nodeName: string;
  /** The node API's addresses, written into its certificate. */
  addresses: string[];
  log: (msg: string) => void;
}

/** A new P-256 key and a certificate request for it, made with the `openssl` command. */
export function makeKeyAndRequest(commonName: string): { keyPem: string; csrPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sedna-key-'));
  try {
    execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${commonName}`, '-keyout', 'key.pem', '-out', 'req.pem'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    return { keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), csrPem: readFileSync(join(dir, 'req.pem'), 'utf8') };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('the `openssl` command is needed to make the node\'s key: apt-get install openssl', { cause: err });
    throw new Error(`openssl req failed: ${e.stderr?.toString().trim() ?? e.message}`, { cause: err });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const FILES = { token: 'token', certPem: 'node.crt', keyPem: 'node.key', caPem: 'ca.crt' } as const;

export function storedNodeIdentity(dataDir: string): NodeIdentity | undefined {
  const dir = join(dataDir, 'credential');
  if (!Object.values(FILES).every((f) => existsSync(join(dir, f)))) return undefined;
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { token: read(FILES.token).trim(), certPem: read(FILES.certPem), keyPem: read(FILES.keyPem), caPem: read(FILES.caPem) };
}

class BootstrapRefused extends Error {}

function post(url: URL, caPem: string, token: string, body: BootstrapRequest, redirects = 1): Promise<BootstrapResponse> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = https.request(url, { method: 'POST', ca: caPem, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': payload.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status === 307 && res.headers.location && redirects > 0) {
          post(new URL(res.headers.location, url), caPem, token, body, redirects - 1).then(resolve, reject);
        } else if (status === 200) {
          try {
            resolve(JSON.parse(text) as BootstrapResponse);
          } catch (err) {
            reject(new Error(`the GM's bootstrap answer is not JSON: ${text.slice(0, 200)}`, { cause: err }));
          }
        } else if (status >= 400 && status < 500) reject(new BootstrapRefused(`the GM refused the bootstrap (${status}): ${text.trim()}`));
        else reject(new Error(`the GM answered the bootstrap with ${status}: ${text.trim()}`));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The stored identity, or a new one from a bootstrap (retried while no GM answers; refused tokens fail). */
export async function ensureNodeIdentity(options: BootstrapOptions): Promise<NodeIdentity> {
  const stored = storedNodeIdentity(options.dataDir);
  if (stored) return stored;
  const urls = options.gmUrls.map((u) => new URL(u));
  const plain = urls.find((u) => u.protocol !== 'wss:');
  if (plain) throw new Error(`a node bootstraps over TLS only (its token and certificate travel there): ${plain.href} is not wss://`);
  const { keyPem, csrPem } = makeKeyAndRequest(nodeCommonName(options.nodeName));
  const request: BootstrapRequest = { nodeName: options.nodeName, addresses: options.addresses, csr: csrPem };
  for (let attempt = 0; ; attempt++) {
    const url = urls[attempt % urls.length]!;
    const target = new URL(BOOTSTRAP_PATH, `https://${url.host}`);
    try {
      const answer = await post(target, options.caPem, options.token, request);
      const dir = join(options.dataDir, 'credential');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const identity: NodeIdentity = { token: answer.token, certPem: answer.certificate, keyPem, caPem: answer.ca };
      for (const [field, file] of Object.entries(FILES)) writeFileSync(join(dir, file), identity[field as keyof NodeIdentity] + (field === 'token' ? '\n' : ''), { mode: 0o600 });
      options.log(`bootstrapped: node ${options.nodeName} has its own credential (${dir})`);
      return identity;
    } catch (err) {
      if (err instanceof BootstrapRefused) throw err;
      const delay = Math.min(5_000, 200 * 2 ** Math.min(attempt, 5));
      if (attempt === 0 || attempt % 10 === 0) options.log(`cannot bootstrap at ${target.href} yet (${(err as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
