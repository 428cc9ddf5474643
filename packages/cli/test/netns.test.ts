/**
 * Local controllers on other hosts: two LCs, each in its own network namespace (made here with `ip netns` and veth
 * pairs, as separate hosts), join the control plane over their own addresses. Cutting one's link turns its node
 * NotReady while it keeps counting; restoring the link delivers what it queued. Needs root (CI runs as root).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

async function getJson(args: string[]): Promise<any> {
  const r = await sedna(['get', ...args, '-o', 'json', '--data-dir', dataDir]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

async function ready(node: string): Promise<string | undefined> {
  const n = await getJson(['node', node]);
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
  const info = await waitFor('the control plane', () => JSON.parse(readFileSync(join(dataDir, 'control-plane.json'), 'utf8')) as { hubUrl: string; caFile: string; nodeTokenFile: string });
  hubPort = new URL(info.hubUrl).port;
  for (const h of hosts) {
    start(['join', '--gm', `wss://${h.gmIp}:${hubPort}/`, '--token-file', info.nodeTokenFile, '--ca', info.caFile, '--node-name', h.node, '--address', h.lcIp, '--data-dir', join(dataDir, h.node), '--dataset-root', dataDir, '--heartbeat-ms', '500'], h.ns);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGTERM'))))));
  cleanupNetwork();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local controllers in their own network namespaces', () => {
  it('join over their own addresses and lose nothing across a cut link', async () => {
    try {
      for (const h of hosts) await waitFor(`${h.node} Ready`, async () => ((await ready(h.node)) === 'True' ? true : undefined), 30_000);
      const node = await getJson(['node', hosts[0]!.node]);
      expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: hosts[0]!.lcIp });

      const file = join(dataDir, 'far.txt');
      writeFileSync(file, 'a\nb\n');
      await sedna(['apply', '-f', '-', '--data-dir', dataDir], `apiVersion: sedna.io/v1alpha1\nkind: Dataset\nmetadata: {name: far}\nspec: {url: "${file}", format: txt, nodeName: ${hosts[0]!.node}}\n`);
      const samples = async () => (await getJson(['dataset', 'far'])).status?.numberOfSamples;
      await waitFor('2 samples', async () => ((await samples()) === 2 ? true : undefined));

      // Logs come from the far node over its own address.
      await sedna(['apply', '-f', '-', '--data-dir', dataDir], `apiVersion: v1\nkind: Pod\nmetadata: {name: far-hello}\nspec:\n  nodeName: ${hosts[1]!.node}\n  restartPolicy: Never\n  containers: [{name: main, command: [sh, -c, "echo hello from the far edge"]}]\n`);
      await waitFor('the pod to succeed', async () => ((await getJson(['pod', 'far-hello'])).status?.phase === 'Succeeded' ? true : undefined), 20_000);
      expect((await sedna(['logs', 'far-hello', '--data-dir', dataDir])).stdout).toBe('hello from the far edge\n');

      ip('link', 'set', hosts[0]!.hostIf, 'down');
      await waitFor('far-edge-1 NotReady', async () => ((await ready(hosts[0]!.node)) === 'False' ? true : undefined), 20_000);
      appendFileSync(file, 'c\nd\ne\n');
      expect(await ready(hosts[1]!.node)).toBe('True');
      ip('link', 'set', hosts[0]!.hostIf, 'up');
      await waitFor('far-edge-1 Ready again', async () => ((await ready(hosts[0]!.node)) === 'True' ? true : undefined), 30_000);
      await waitFor('the queued count', async () => ((await samples()) === 5 ? true : undefined), 30_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output.slice(-40).join('')}`, { cause: err });
    }
  });
});
