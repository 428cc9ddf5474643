/**
 * `sedna token create`: a bootstrap token, as `kubeadm token create` makes one. It is stored as the Secret the GM
 * checks (`sedna-bootstrap-token-<id>`, with its expiry) and printed (or written to a file) for `sedna join
 * --token-file`; with `--secret` also as a plain Secret the LC DaemonSet mounts.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { KubeClient, bootstrapTokenSecret, isConflict, newBootstrapToken } from '@sedna/gm';
import { resolveKubeconfig } from '../paths.js';

export interface TokenCreateOptions {
  ttl: string;
  namespace: string;
  dataDir: string;
  kubeconfig?: string;
  secret?: string;
  output?: string;
  description?: string;
}

/** 90s, 30m, 2h, 1d. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`--ttl: a duration such as 30m, 2h or 1d, got ${JSON.stringify(text)}`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  if (seconds <= 0) throw new Error('--ttl must be positive');
  return seconds * 1000;
}

export async function createToken(options: TokenCreateOptions): Promise<string> {
  const ttlMs = parseDuration(options.ttl);
  const kc = new k8s.KubeConfig();
  const path = resolveKubeconfig(options.kubeconfig, options.dataDir);
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  const client = new KubeClient(kc);
  try {
    await client.create('Namespace', '', { metadata: { name: options.namespace } }).catch((err: unknown) => {
      // It exists (409), or this user may not make namespaces (403): either way go on and let the Secret say.
      if (!isConflict(err) && (err as { code?: number }).code !== 403) throw err;
    });
    const token = newBootstrapToken();
    await client.create('Secret', options.namespace, bootstrapTokenSecret(token, options.namespace, new Date(Date.now() + ttlMs), options.description ?? ''));
    if (options.secret) {
      const body = { metadata: { name: options.secret, namespace: options.namespace }, type: 'Opaque', data: { token: Buffer.from(token).toString('base64') } };
      try {
        await client.create('Secret', options.namespace, body);
      } catch (err) {
        if (!isConflict(err)) throw err;
        await client.delete('Secret', options.namespace, options.secret);
        await client.create('Secret', options.namespace, body);
      }
    }
    if (options.output) {
      writeFileSync(options.output, token + '\n', { mode: 0o600 });
      chmodSync(options.output, 0o600);
      console.error(`bootstrap token written to ${options.output}; valid for ${options.ttl}`);
    } else console.log(token);
    return token;
  } finally {
    client.close();
  }
}
