/**
 * Who a local controller is. The GM authenticates every LC connection against the Secret of its node
 * (`sedna-node-<node>`: the SHA-256 of that node's token), issues that Secret when a node bootstraps with a valid
 * bootstrap token (POST /bootstrap/node, also signing the node API's certificate), and cuts a node whose Secret is
 * deleted or replaced: deleting the Secret, or the Node that owns it, revokes the node. A token shared by every LC
 * (the config's nodeToken) is still accepted, with a warning, for a single-machine `sedna up`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type * as k8s from '@kubernetes/client-node';
import {
  CREDENTIAL_LABEL,
  NODE_CREDENTIAL_SECRET_PREFIX,
  NODE_CREDENTIAL_SECRET_TYPE,
  checkDns1123Subdomain,
  nodeCommonName,
  type BootstrapRequest,
  type BootstrapResponse,
  type KubeObject,
} from '@sedna/api';
import { isConflict, isNotFound, type KubeClient } from '../runtime/client.js';
import { createInformer, type ResourceInformer } from '../runtime/informer.js';
import { checkBootstrapToken } from './bootstrap-tokens.js';
import type { CertificateAuthority } from './certificate-authority.js';

export type AuthVerdict = { ok: true; shared: boolean } | { ok: false; message: string };

export interface NodeCredentialsOptions {
  kc: k8s.KubeConfig;
  client: KubeClient;
  namespace: string;
  /** The token shared by every LC, or "" (none accepted). */
  sharedToken: string;
  /** Signs node API certificates at bootstrap; without it nodes cannot bootstrap here. */
  ca: CertificateAuthority | undefined;
  /** Embedded mode: a bootstrapping node's Node is created (on a cluster the kubelet registers it). */
  createNodes: boolean;
  log: (level: 'info' | 'warn', msg: string) => void;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string | undefined) => (text === undefined ? '' : Buffer.from(text, 'base64').toString('utf8'));

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The hash a node Secret holds, '' if it is not one. */
function credentialHash(secret: KubeObject | undefined): string {
  if (!secret || secret['type'] !== NODE_CREDENTIAL_SECRET_TYPE) return '';
  return unb64((secret['data'] as Record<string, string> | undefined)?.['token-sha256']);
}

function nodeOf(secret: KubeObject): string | undefined {
  const name = secret.metadata.name ?? '';
  return secret['type'] === NODE_CREDENTIAL_SECRET_TYPE && name.startsWith(NODE_CREDENTIAL_SECRET_PREFIX) ? name.slice(NODE_CREDENTIAL_SECRET_PREFIX.length) : undefined;
}

export class NodeCredentials {
  private readonly secrets: ResourceInformer;
  private readonly warnedShared = new Set<string>();
  private readonly revokedListeners: Array<(node: string, why: string) => void> = [];

  constructor(private readonly options: NodeCredentialsOptions) {
    this.secrets = createInformer(options.kc, { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' }, { namespace: options.namespace, labelSelector: CREDENTIAL_LABEL, log: (m) => options.log('warn', m) });
    this.secrets.onChange((type, obj, old) => {
      const node = nodeOf(obj);
      if (!node) return;
      if (type === 'delete') this.revoked(node, `its credential Secret ${obj.metadata.name} was deleted`);
      else if (type === 'update' && old && credentialHash(old) !== credentialHash(obj)) this.revoked(node, 'its credential was replaced');
    });
  }

  async start(): Promise<void> {
    this.secrets.start();
    await this.secrets.synced();
  }

  async stop(): Promise<void> {
    await this.secrets.stop();
  }

  /** Called with a node whose credential is no longer valid (the hub cuts its connection). */
  onRevoked(listener: (node: string, why: string) => void): void {
    this.revokedListeners.push(listener);
  }

  /** Checks a connecting LC: the shared token (with a warning), or the token of exactly this node. */
  async authenticate(token: string, nodeName: string): Promise<AuthVerdict> {
    if (this.options.sharedToken && equalText(token, this.options.sharedToken)) {
      if (!this.warnedShared.has(nodeName)) {
        this.warnedShared.add(nodeName);
        this.options.log('warn', `node ${nodeName} uses the token shared by every node: accepted for a single-machine \`sedna up\` only; on other hosts join with a bootstrap token (\`sedna token create\`)`);
      }
      return { ok: true, shared: true };
    }
    const name = `${NODE_CREDENTIAL_SECRET_PREFIX}${nodeName}`;
    // A credential issued a moment ago may not be in the cache yet: ask the API on a miss.
    let secret = this.secrets.get(name, this.options.namespace);
    if (!secret) secret = await this.options.client.get('Secret', this.options.namespace, name).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    const hash = credentialHash(secret);
    if (!hash) return { ok: false, message: `no credential for node ${nodeName} (never issued, or revoked)` };
    if (!equalText(sha256(token), hash)) return { ok: false, message: `invalid credential for node ${nodeName}` };
    return { ok: true, shared: false };
  }

  /** POST /bootstrap/node: a bootstrap token (or the shared token) in, the node's own credential out. */
  readonly bootstrapRoute = (req: IncomingMessage, res: ServerResponse): void => {
    void this.bootstrap(req)
      .then((body) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body)))
      .catch((err: unknown) => {
        const status = (err as { status?: number }).status ?? 500;
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...(status === 401 ? { 'WWW-Authenticate': 'Bearer realm="sedna-gm"' } : {}) }).end(`${(err as Error).message}\n`);
      });
  };

  private async bootstrap(req: IncomingMessage): Promise<BootstrapResponse> {
    const fail = (status: number, message: string) => Object.assign(new Error(message), { status });
    if (req.method !== 'POST') throw fail(405, 'POST a bootstrap request here');
    const token = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) throw fail(401, 'missing Authorization: Bearer <bootstrap token>');
    const shared = this.options.sharedToken !== '' && equalText(token, this.options.sharedToken);
    if (!shared) {
      const verdict = checkBootstrapToken(token, (name) => this.secrets.get(name, this.options.namespace));
      if (!verdict.ok) throw fail(401, verdict.message);
    }
    const request = parseBootstrapRequest(await readBody(req), fail);
    if (!this.options.ca) throw fail(501, 'this GM has no CA to sign node certificates (start it with --ca-cert and --ca-key)');
    const node = await this.nodeObject(request.nodeName, fail);
    const certificate = this.options.ca.sign(request.csr, {
      subject: `/O=sedna:nodes/CN=${nodeCommonName(request.nodeName)}`,
      names: [request.nodeName, ...request.addresses],
      usages: ['serverAuth', 'clientAuth'],
    });
    const nodeToken = randomBytes(32).toString('base64url');
    await this.storeCredential(node, sha256(nodeToken));
    this.options.log(shared ? 'warn' : 'info', `node ${request.nodeName} bootstrapped${shared ? ' with the token shared by every node (single-machine `sedna up` only)' : ''}; its credential is Secret ${this.options.namespace}/${NODE_CREDENTIAL_SECRET_PREFIX}${request.nodeName}`);
    return { token: nodeToken, certificate, ca: this.options.ca.certPem };
  }

  private async nodeObject(name: string, fail: (status: number, message: string) => Error): Promise<KubeObject> {
    try {
      return await this.options.client.get('Node', '', name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!this.options.createNodes) throw fail(403, `there is no Node ${name} in the cluster`);
    try {
      return await this.options.client.create('Node', '', { metadata: { name } });
    } catch (err) {
      if (isConflict(err)) return this.options.client.get('Node', '', name);
      throw err;
    }
  }

  /** The node's Secret, owned by its Node (deleting the Node deletes it); a new bootstrap replaces it. */
  private async storeCredential(node: KubeObject, hash: string): Promise<void> {
    const name = `${NODE_CREDENTIAL_SECRET_PREFIX}${node.metadata.name}`;
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        namespace: this.options.namespace,
        labels: { [CREDENTIAL_LABEL]: 'node', 'sedna.io/node': node.metadata.name! },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name!, uid: node.metadata.uid! }],
      },
      type: NODE_CREDENTIAL_SECRET_TYPE,
      data: { node: b64(node.metadata.name!), 'token-sha256': b64(hash) },
    };
    try {
      await this.options.client.create('Secret', this.options.namespace, body);
    } catch (err) {
      if (!isConflict(err)) throw err;
      await this.options.client.delete('Secret', this.options.namespace, name);
      await this.options.client.create('Secret', this.options.namespace, body);
    }
  }

  private revoked(node: string, why: string): void {
    this.options.log('warn', `node ${node} is revoked: ${why}`);
    for (const listener of this.revokedListeners) listener(node, why);
  }
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error(`bootstrap request larger than ${limit} bytes`), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBootstrapRequest(text: string, fail: (status: number, message: string) => Error): BootstrapRequest {
  let value: Partial<BootstrapRequest>;
  try {
    value = JSON.parse(text) as Partial<BootstrapRequest>;
  } catch {
    throw fail(400, 'the bootstrap request is not JSON');
  }
  if (typeof value.nodeName !== 'string') throw fail(400, 'nodeName: required');
  const nameError = checkDns1123Subdomain(value.nodeName);
  if (nameError) throw fail(400, `nodeName: ${nameError}`);
  if (!Array.isArray(value.addresses) || value.addresses.some((a) => typeof a !== 'string' || (isIP(a) === 0 && checkDns1123Subdomain(a) !== undefined))) {
    throw fail(400, 'addresses: a list of IP addresses or host names');
  }
  if (typeof value.csr !== 'string' || !value.csr.includes('BEGIN CERTIFICATE REQUEST')) throw fail(400, 'csr: a PEM certificate request');
  return { nodeName: value.nodeName, addresses: value.addresses, csr: value.csr };
}
