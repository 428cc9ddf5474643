/**
 * Two GM replicas (`sedna gm` processes with leaderElection.enabled) on the embedded API: one leads on the Lease
 * sedna/sedna-gm, the other follows and redirects an LC to the leader; SIGKILL the leader and the follower takes
 * the Lease within the lease duration plus a retry period, the LC reconnects to it, and its Node stays served.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type RunningApiServer } from '@sedna/apiserver';
import { KubeClient } from '@sedna/gm';
import { startLocalController, type RunningLocalController } from '@sedna/lc';
import { cliMain, ensureBuilt, tempDir, waitFor } from './harness.js';

interface Replica {
  name: string;
  child: ChildProcess;
  out: string[];
  hubUrl: string;
}
let api: RunningApiServer;
let dir: string;
let client: KubeClient;
let lc: RunningLocalController | undefined;
const replicas: Replica[] = [];
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/sedna/leases/sedna-gm';

async function startReplica(name: string): Promise<Replica> {
  const config = join(dir, `${name}.yaml`);
  writeFileSync(
    config,
    stringify({
      kubeConfig: api.kubeconfigPath,
      websocket: { address: '127.0.0.1', port: 0 },
      nodeToken: 'one-machine-test-token',
      nodeGracePeriodSeconds: 5,
      leaderElection: { enabled: true, identity: name, leaseDurationSeconds: 12, renewDeadlineSeconds: 8, retryPeriodSeconds: 2 },
    }),
  );
  const ready = join(dir, `${name}.ready`);
  const child = spawn(process.execPath, [cliMain, 'gm', '--config', config, '--ready-file', ready], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  for (const s of [child.stdout!, child.stderr!]) s.on('data', (c: Buffer) => out.push(c.toString()));
  const { hubUrl } = await waitFor(`${name} listening`, () => (existsSync(ready) && readFileSync(ready, 'utf8').endsWith('\n') ? (JSON.parse(readFileSync(ready, 'utf8')) as { hubUrl: string }) : undefined), 30_000);
  const replica = { name, child, out, hubUrl };
  replicas.push(replica);
  return replica;
}

async function holder(): Promise<string | undefined> {
  const lease = await client.request<{ spec: { holderIdentity?: string } }>('GET', LEASE).catch(() => undefined);
  return lease?.spec.holderIdentity || undefined;
}

beforeAll(async () => {
  ensureBuilt();
  dir = tempDir('sedna-leader-');
  api = await startApiServer({ dataDir: join(dir, 'api'), port: 0 });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  client = new KubeClient(kc);
}, 60_000);

afterAll(async () => {
  await lc?.close();
  await Promise.all(replicas.map((r) => (r.child.exitCode !== null || r.child.signalCode !== null ? undefined : new Promise<void>((res) => (r.child.once('exit', () => res()), r.child.kill('SIGTERM'))))));
  client?.close();
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GM leader election', () => {
  it('runs two replicas, redirects the LC to the leader, and fails over when the leader is killed', async () => {
    const log = () => replicas.map((r) => `--- ${r.name}\n${r.out.join('').slice(-3000)}`).join('\n');
    try {
      const first = await startReplica('gm-1');
      await waitFor('gm-1 to lead', async () => ((await holder()) === 'gm-1' ? true : undefined), 30_000);
      const second = await startReplica('gm-2');
      await waitFor('gm-2 to see the leader', () => (second.out.join('').includes('the leader is gm-1') ? true : undefined), 30_000);

      // The LC knows both; it dials the follower first and is sent to the leader.
      lc = await startLocalController({ nodeName: 'edge-1', role: 'edge', gmUrl: [second.hubUrl, first.hubUrl], token: 'one-machine-test-token', dataDir: join(dir, 'lc'), address: '127.0.0.1', reportPort: 0, nodeApiPort: 0, runPods: false, datasetRoots: [dir], heartbeatMs: 500, log: () => undefined });
      await waitFor('the LC connected', () => (lc!.client.connected ? true : undefined), 30_000);
      const node = await client.get('Node', '', 'edge-1');
      expect((node['status'] as { conditions: { type: string; status: string }[] }).conditions.find((c) => c.type === 'Ready')?.status).toBe('True');

      // The leader dies without a word: gm-2 takes the Lease once it has not been renewed for its duration.
      const killedAt = Date.now();
      first.child.kill('SIGKILL');
      await waitFor('gm-2 to lead', async () => ((await holder()) === 'gm-2' ? true : undefined), 15_000);
      const takeoverMs = Date.now() - killedAt;
      await waitFor('the LC on the new leader', () => (lc!.client.connected ? true : undefined), 15_000);
      const reconnectMs = Date.now() - killedAt;
      console.log(`failover: gm-2 leads ${takeoverMs} ms after gm-1 was killed; the LC is connected to it after ${reconnectMs} ms`);
      const lease = await client.request<{ spec: { leaseTransitions: number } }>('GET', LEASE);
      expect(lease.spec.leaseTransitions).toBe(1);
      expect(second.out.join('')).toContain('gm-2 leads');
      // The new leader serves the node: a Dataset on it reaches the LC.
      writeFileSync(join(dir, 'd.txt'), 'a\nb\nc\n');
      await client.create('Dataset', 'default', { metadata: { name: 'd' }, spec: { url: join(dir, 'd.txt'), format: 'txt', nodeName: 'edge-1' } });
      await waitFor('the sample count from the LC', async () => (((await client.get('Dataset', 'default', 'd'))['status'] as { numberOfSamples?: number } | undefined)?.numberOfSamples === 3 ? true : undefined), 20_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${log()}`, { cause: err });
    }
  }, 150_000);
});
