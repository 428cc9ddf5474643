/**
 * Per-node credentials on `sedna control-plane` + `sedna join` (processes on this host): bootstrap tokens from
 * `sedna token create` bought each node a credential of its own; an expired token and the shared token are
 * refused; a node's token does not speak for another node; the node API serves logs over TLS to the control plane
 * alone (plain HTTP, no certificate, another node's certificate: refused); a node's report on another node's pod is
 * refused by the GM (ownership check); deleting a node's Secret, or its Node,
 * revokes it (cut at once, refused when it reconnects).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as k8s from '@kubernetes/client-node';
import { NODE_NAME_HEADER, WIRE_PROTOCOL_VERSION } from '@sedna/api';
import { KubeClient, bootstrapTokenSecret, newBootstrapToken, type KindName } from '@sedna/gm';
import { ensureNodeIdentity } from '@sedna/lc';
import { cliMain, ensureBuilt, sedna, tempDir, waitFor } from './harness.js';

interface Proc {
  child: ChildProcess;
  out: string[];
  exit: Promise<number | null>;
}
const procs: Proc[] = [];
let dataDir: string;
let info: { hubUrl: string; caFile: string; nodeTokenFile: string; kubeconfig: string };
let client: KubeClient;

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [cliMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  for (const s of [child.stdout!, child.stderr!]) s.on('data', (c: Buffer) => out.push(c.toString()));
  const proc = { child, out, exit: new Promise<number | null>((r) => child.once('exit', (code) => r(code))) };
  procs.push(proc);
  return proc;
}

const text = (p: Proc) => p.out.join('');

function joinNode(node: string, tokenFile: string): Proc {
  return start(['join', '--gm', info.hubUrl, '--token-file', tokenFile, '--ca', info.caFile, '--node-name', node, '--data-dir', join(dataDir, 'nodes', node), '--dataset-root', dataDir, '--heartbeat-ms', '500']);
}

// Polling goes through the client (fast); what a user does goes through the sedna CLI.
async function getObject(kind: KindName, name: string, namespace = ''): Promise<any> {
  return client.get(kind, namespace, name);
}

async function ready(node: string): Promise<string | undefined> {
  const n = await getObject('Node', node);
  return n.status?.conditions?.find((c: any) => c.type === 'Ready')?.status;
}

/** A GET to a node API; resolves with the status, or the error that ended the connection. */
function nodeApiGet(port: number, path: string, tls?: { cert?: string; key?: string }): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const options = { host: '127.0.0.1', port, path };
    const done = (res: http.IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    };
    const req = tls ? https.get({ ...options, ca: readFileSync(info.caFile), servername: 'node-a', ...tls }, done) : http.get(options, done);
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ error: err.message }));
  });
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDir('sedna-credentials-');
  start(['control-plane', '--data-dir', dataDir, '--port', '0', '--hub-port', '0', '--kb-port', '0', '--node-grace-period', '3']);
  info = await waitFor('the control plane', () => JSON.parse(readFileSync(join(dataDir, 'control-plane.json'), 'utf8')) as typeof info, 60_000);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  client = new KubeClient(kc);
}, 90_000);

afterAll(async () => {
  client?.close();
  await Promise.all(procs.map((p) => (p.child.exitCode !== null ? Promise.resolve() : (p.child.kill('SIGTERM'), p.exit.then(() => undefined)))));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('per-node credentials', () => {
  it('bootstraps nodes, keeps them to their own identity, serves logs to the control plane alone, and revokes', async () => {
    const procsText = () => procs.map(text).join('').slice(-6000);
    try {
      const tokenFile = join(dataDir, 'bootstrap.token');
      const made = await sedna(['token', 'create', '--ttl', '10m', '--output', tokenFile, '--data-dir', dataDir]);
      expect(made.status, made.stderr).toBe(0);
      const a = joinNode('node-a', tokenFile);
      const b = joinNode('node-b', tokenFile);
      for (const n of ['node-a', 'node-b']) await waitFor(`${n} Ready`, async () => ((await ready(n)) === 'True' ? true : undefined), 40_000);

      // Each node has a Secret of its own, owned by its Node; the token itself is not stored.
      const secret = await getObject('Secret', 'sedna-node-node-a', 'sedna');
      expect(secret.type).toBe('sedna.io/node-credential');
      expect(secret.metadata.ownerReferences[0]).toMatchObject({ kind: 'Node', name: 'node-a' });
      const tokenA = readFileSync(join(dataDir, 'nodes', 'node-a', 'credential', 'token'), 'utf8').trim();
      expect(JSON.stringify(secret)).not.toContain(tokenA);

      // An expired bootstrap token, and the token shared by every node (not allowed here), buy nothing.
      const expired = newBootstrapToken();
      await client.create('Secret', 'sedna', bootstrapTokenSecret(expired, 'sedna', new Date(Date.now() - 60_000)));
      const expiredFile = join(dataDir, 'expired.token');
      writeFileSync(expiredFile, expired + '\n', { mode: 0o600 });
      const c = joinNode('node-c', expiredFile);
      expect(await c.exit).toBe(1);
      expect(text(c)).toMatch(/refused the bootstrap \(401\): bootstrap token \w+ expired/);
      const d = joinNode('node-d', info.nodeTokenFile);
      expect(await d.exit).toBe(1);
      expect(text(d)).toContain('refused the bootstrap (401)');

      // node-a's token does not speak for node-b.
      const refused = await new Promise<number>((resolve) => {
        const ws = new WebSocket(info.hubUrl, { ca: readFileSync(info.caFile), headers: { [NODE_NAME_HEADER]: 'node-b', Authorization: `Bearer ${tokenA}` } });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
      expect(refused).toBe(401);

      // The node API: logs for the control plane (sedna logs), nothing for anyone else.
      await sedna(['apply', '-f', '-', '--data-dir', dataDir], 'apiVersion: v1\nkind: Pod\nmetadata: {name: hello}\nspec:\n  nodeName: node-a\n  restartPolicy: Never\n  containers: [{name: main, command: [sh, -c, "echo hello from node-a"]}]\n');
      await waitFor('the pod to succeed', async () => ((await getObject('Pod', 'hello', 'default')).status?.phase === 'Succeeded' ? true : undefined), 30_000);
      expect((await sedna(['logs', 'hello', '--data-dir', dataDir])).stdout).toBe('hello from node-a\n');
      const port = Number((await getObject('Node', 'node-a')).metadata.labels['sedna.io/node-api-port']);
      const path = '/pods/default/hello/log';
      const plain = await nodeApiGet(port, path);
      expect(plain.status).not.toBe(200);
      const anonymous = await nodeApiGet(port, path, {});
      expect(anonymous.status).toBe(401);
      const bDir = join(dataDir, 'nodes', 'node-b', 'credential');
      const asNodeB = await nodeApiGet(port, path, { cert: readFileSync(join(bDir, 'node.crt'), 'utf8'), key: readFileSync(join(bDir, 'node.key'), 'utf8') });
      expect(asNodeB.status).toBe(403);
      expect(asNodeB.body).toContain('system:node:node-b may not read');

      // A node with a credential of its own reports on its own node's objects only: node-e's (forged) status of
      // node-a's pod is refused by the GM and changes nothing.
      const identityE = await ensureNodeIdentity({ dataDir: join(dataDir, 'nodes', 'node-e'), gmUrls: [info.hubUrl], caPem: readFileSync(info.caFile, 'utf8'), token: readFileSync(tokenFile, 'utf8').trim(), nodeName: 'node-e', addresses: ['127.0.0.1'], log: () => undefined });
      const answer = await new Promise<{ type: string; reason?: string }>((resolve, reject) => {
        const ws = new WebSocket(info.hubUrl, { ca: readFileSync(info.caFile), headers: { [NODE_NAME_HEADER]: 'node-e', Authorization: `Bearer ${identityE.token}` } });
        ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: WIRE_PROTOCOL_VERSION, node: { name: 'node-e', version: 'test', addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], labels: {} }, outboxEpoch: 'forger' })));
        ws.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as { type: string; reason?: string };
          if (frame.type === 'resync-end') ws.send(JSON.stringify({ type: 'upstream', id: 1, message: { header: { namespace: 'default', resourceKind: 'pod', resourceName: 'hello', operation: 'status' }, content: { phase: 'Failed' } } }));
          else if (frame.type === 'ack' || frame.type === 'nack') {
            resolve(frame);
            ws.close();
          }
        });
        ws.on('error', reject);
      });
      expect(answer.type).toBe('nack');
      expect(answer.reason).toMatch(/node node-e may not report on pod default\/hello: the pod is bound to node-a/);
      expect((await getObject('Pod', 'hello', 'default')).status.phase).toBe('Succeeded');

      // Revoked by deleting its Secret: cut at once, NotReady, and refused when it comes back.
      expect((await sedna(['delete', 'secret', 'sedna-node-node-a', '-n', 'sedna', '--data-dir', dataDir])).status).toBe(0);
      await waitFor('node-a NotReady', async () => ((await ready('node-a')) === 'False' ? true : undefined), 20_000);
      await waitFor('node-a refused', () => (text(a).includes('no credential for node node-a') ? true : undefined), 20_000);
      expect(await ready('node-b')).toBe('True');

      // Revoked by deleting its Node: its Secret goes with it, and the Node does not come back.
      expect((await sedna(['delete', 'node', 'node-b', '--data-dir', dataDir])).status).toBe(0);
      await waitFor('node-b\'s Secret collected', async () => ((await getObject('Secret', 'sedna-node-node-b', 'sedna').then(() => false, () => true)) ? true : undefined), 20_000);
      await waitFor('node-b refused', () => (text(b).includes('no credential for node node-b') ? true : undefined), 20_000);
      expect((await sedna(['get', 'node', 'node-b', '--data-dir', dataDir])).status).not.toBe(0);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${procsText()}`, { cause: err });
    }
  }, 180_000);
});
