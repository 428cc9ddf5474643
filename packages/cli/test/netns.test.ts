/**
 * Local controllers on other hosts: two LCs, each in its own network namespace (made here with `ip netns` and veth
 * pairs, as separate hosts), join the control plane over their own addresses with a bootstrap token
 * (`sedna token create`), each getting a credential of its own. Cutting one's link turns its node NotReady while
 * it keeps counting; restoring the link delivers what it queued. Deleting a node's credential Secret revokes it:
 * cut, NotReady, and refused when it comes back, while the other node goes on. Needs root (CI runs as root).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { KubeClient, type KindName } from '@sedna/gm';
import { cliMain, ensureBuilt, sedna, tempDir, waitFor } from './harness.js';

const hosts = [
  { ns: 'sedna-t1', hostIf: 'sdn-t1h', nsIf: 'sdn-t1n', gmIp: '10.231.1.1', lcIp: '10.231.1.2', node: 'far-edge-1' },
  { ns: 'sedna-t2', hostIf: 'sdn-t2h', nsIf: 'sdn-t2n', gmIp: '10.231.2.1', lcIp: '10.231.2.2', node: 'far-edge-2' },
];
const children: ChildProcess[] = [];
let dataDir: string;
let hubPort: string;
const output: string[] = [];

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function cleanupNetwork(): void {
  for (const h of hosts) {
    try {
      ip('netns', 'del', h.ns);
    } catch {
      // not there
    }
    try {
      ip('link', 'del', h.hostIf);
    } catch {
      // not there
    }
  }
}

function start(args: string[], netns?: string): ChildProcess {
  const cmd = netns ? 'ip' : process.execPath;
  const full = netns ? ['netns', 'exec', netns, process.execPath, cliMain, ...args] : [cliMain, ...args];
  const child = spawn(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const s of [child.stdout!, child.stderr!]) s.on('data', (c: Buffer) => output.push(c.toString()));
  children.push(child);
  return child;
}

// Polling goes through a client (a `sedna get` costs a node and a kubectl process each); what a user does goes
// through the sedna CLI.
let client: KubeClient;
const getObject = (kind: KindName, name: string, namespace = ''): Promise<any> => client.get(kind, namespace, name);

async function ready(node: string): Promise<string | undefined> {
  const n = await getObject('Node', node);
  return n.status?.conditions?.find((c: any) => c.type === 'Ready')?.status;
}

beforeAll(async () => {
  ensureBuilt();
  cleanupNetwork();
  for (const h of hosts) {
    ip('netns', 'add', h.ns);
    ip('link', 'add', h.hostIf, 'type', 'veth', 'peer', 'name', h.nsIf);
    ip('link', 'set', h.nsIf, 'netns', h.ns);
    ip('addr', 'add', `${h.gmIp}/24`, 'dev', h.hostIf);
    ip('link', 'set', h.hostIf, 'up');
    ip('netns', 'exec', h.ns, 'ip', 'addr', 'add', `${h.lcIp}/24`, 'dev', h.nsIf);
    ip('netns', 'exec', h.ns, 'ip', 'link', 'set', h.nsIf, 'up');
    ip('netns', 'exec', h.ns, 'ip', 'link', 'set', 'lo', 'up');
  }
  dataDir = tempDir('sedna-netns-');
  start(['control-plane', '--data-dir', dataDir, '--port', '0', '--hub-port', '0', '--host', '0.0.0.0', '--node-grace-period', '3', '--advertise', ...hosts.map((h) => h.gmIp)]);
  const info = await waitFor('the control plane', () => JSON.parse(readFileSync(join(dataDir, 'control-plane.json'), 'utf8')) as { hubUrl: string; caFile: string; kubeconfig: string }, 90_000);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  client = new KubeClient(kc);
  hubPort = new URL(info.hubUrl).port;
  const tokenFile = join(dataDir, 'bootstrap.token');
  const made = await sedna(['token', 'create', '--ttl', '15m', '--output', tokenFile, '--data-dir', dataDir]);
  if (made.status !== 0) throw new Error(`sedna token create: ${made.stderr}`);
  for (const h of hosts) {
    start(['join', '--gm', `wss://${h.gmIp}:${hubPort}/`, '--token-file', tokenFile, '--ca', info.caFile, '--node-name', h.node, '--address', h.lcIp, '--data-dir', join(dataDir, h.node), '--dataset-root', dataDir, '--heartbeat-ms', '500'], h.ns);
  }
}, 150_000);

afterAll(async () => {
  client?.close();
  await Promise.all(children.map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGTERM'))))));
  cleanupNetwork();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local controllers in their own network namespaces', () => {
  it('join with credentials of their own over their own addresses, lose nothing across a cut link, and a revoked one is kept out', async () => {
    try {
      for (const h of hosts) await waitFor(`${h.node} Ready`, async () => ((await ready(h.node)) === 'True' ? true : undefined), 30_000);
      const node = await getObject('Node', hosts[0]!.node);
      expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: hosts[0]!.lcIp });

      const file = join(dataDir, 'far.txt');
      writeFileSync(file, 'a\nb\n');
      await sedna(['apply', '-f', '-', '--data-dir', dataDir], `apiVersion: sedna.io/v1alpha1\nkind: Dataset\nmetadata: {name: far}\nspec: {url: "${file}", format: txt, nodeName: ${hosts[0]!.node}}\n`);
      const samples = async () => (await getObject('Dataset', 'far', 'default')).status?.numberOfSamples;
      await waitFor('2 samples', async () => ((await samples()) === 2 ? true : undefined));

      // Logs come from the far node over its own address.
      await sedna(['apply', '-f', '-', '--data-dir', dataDir], `apiVersion: v1\nkind: Pod\nmetadata: {name: far-hello}\nspec:\n  nodeName: ${hosts[1]!.node}\n  restartPolicy: Never\n  containers: [{name: main, command: [sh, -c, "echo hello from the far edge"]}]\n`);
      await waitFor('the pod to succeed', async () => ((await getObject('Pod', 'far-hello', 'default')).status?.phase === 'Succeeded' ? true : undefined), 20_000);
      expect((await sedna(['logs', 'far-hello', '--data-dir', dataDir])).stdout).toBe('hello from the far edge\n');

      ip('link', 'set', hosts[0]!.hostIf, 'down');
      await waitFor('far-edge-1 NotReady', async () => ((await ready(hosts[0]!.node)) === 'False' ? true : undefined), 20_000);
      appendFileSync(file, 'c\nd\ne\n');
      expect(await ready(hosts[1]!.node)).toBe('True');
      ip('link', 'set', hosts[0]!.hostIf, 'up');
      await waitFor('far-edge-1 Ready again', async () => ((await ready(hosts[0]!.node)) === 'True' ? true : undefined), 30_000);
      await waitFor('the queued count', async () => ((await samples()) === 5 ? true : undefined), 30_000);

      // Each joined with a credential of its own; revoking far-edge-2's cuts it and keeps it out.
      for (const h of hosts) expect((await getObject('Secret', `sedna-node-${h.node}`, 'sedna')).type).toBe('sedna.io/node-credential');
      expect((await sedna(['delete', 'secret', `sedna-node-${hosts[1]!.node}`, '-n', 'sedna', '--data-dir', dataDir])).status).toBe(0);
      await waitFor('far-edge-2 NotReady', async () => ((await ready(hosts[1]!.node)) === 'False' ? true : undefined), 20_000);
      await waitFor('far-edge-2 refused', () => (output.join('').includes(`no credential for node ${hosts[1]!.node}`) ? true : undefined), 20_000);
      appendFileSync(file, 'f\n');
      await waitFor('far-edge-1 still counting', async () => ((await samples()) === 6 ? true : undefined), 30_000);
      expect(await ready(hosts[1]!.node)).toBe('False');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output.slice(-40).join('')}`, { cause: err });
    }
  }, 180_000);
});
