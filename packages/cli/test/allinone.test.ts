/**
 * The all-in-one mode as a user meets it: `sedna up` starts the control plane and three local controllers as
 * separate processes; nodes turn Ready; a Dataset's sample count follows its file; a Pod bound to an edge node runs
 * as a process there, `sedna logs` shows its output, and deleting it ends the process. Then the hard parts: the
 * control plane killed with SIGKILL and restarted, and a local controller killed and restarted.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../src/commands/up.js';
import { stopControlPlaneAndPods } from './pod-processes.js';
import { readControlPlaneInfo } from '../src/paths.js';
import { ensureBuilt, processAlive, sedna, tempDir, waitFor } from './harness.js';

let handle: UpHandle;
let dataDir: string;
let work: string;
const logs: string[] = [];

async function getJson(args: string[]): Promise<any> {
  const r = await sedna(['get', ...args, '-o', 'json', '--data-dir', dataDir]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

async function nodeReady(name: string): Promise<string> {
  const node = await getJson(['node', name]);
  return node.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status ?? 'Unknown';
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDir('sedna-up-');
  work = tempDir('sedna-up-work-');
  try {
    handle = await up({ dataDir, edgeNodes: 2, apiPort: 0, hubPort: 0, datasetRoots: [work], nodeGracePeriodSeconds: 3, heartbeatMs: 500, log: (m) => logs.push(m) });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${logs.join('\n')}`, { cause: err });
  }
}, 120_000);

afterAll(async () => {
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('sedna up', () => {
  it('brings up a cloud node and two edge nodes, Ready', async () => {
    const r = await sedna(['get', 'nodes', '--data-dir', dataDir]);
    expect(r.stdout).toMatch(/cloud-node\s+Ready\s+cloud/);
    expect(r.stdout).toMatch(/edge-node-1\s+Ready\s+edge/);
    expect(r.stdout).toMatch(/edge-node-2\s+Ready\s+edge/);
  });

  it('makes a Dataset follow its file as lines are appended', async () => {
    const file = join(work, 'train_data.txt');
    writeFileSync(file, 'img/1.png 0\nimg/2.png 1\n');
    const yaml = `apiVersion: sedna.io/v1alpha1\nkind: Dataset\nmetadata:\n  name: incremental-dataset\nspec:\n  url: "${file}"\n  format: "txt"\n  nodeName: edge-node-1\n`;
    expect((await sedna(['apply', '-f', '-', '--data-dir', dataDir], yaml)).stdout).toContain('created');
    const samples = async (): Promise<number | undefined> => (await getJson(['dataset', 'incremental-dataset'])).status?.numberOfSamples;
    await waitFor('2 samples', async () => ((await samples()) === 2 ? true : undefined));
    appendFileSync(file, 'img/3.png 0\n\nimg/4.png 1\n');
    await waitFor('4 samples', async () => ((await samples()) === 4 ? true : undefined));
    appendFileSync(file, 'img/5.png 1\n');
    await waitFor('5 samples', async () => ((await samples()) === 5 ? true : undefined));
  });

  it('runs a Pod bound to an edge node as a process, shows its logs, and ends it when deleted', async () => {
    const once = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: once\nspec:\n  nodeName: edge-node-2\n  restartPolicy: Never\n  containers:\n  - name: main\n    command: ["sh", "-c", "echo hello from $HOSTNAME on edge; echo line two"]\n`;
    await sedna(['apply', '-f', '-', '--data-dir', dataDir], once);
    await waitFor('Succeeded', async () => ((await getJson(['pod', 'once'])).status?.phase === 'Succeeded' ? true : undefined));
    const logs = await sedna(['logs', 'once', '--data-dir', dataDir]);
    expect(logs.stdout).toBe('hello from once on edge\nline two\n');

    const failing = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: failing\nspec:\n  nodeName: edge-node-1\n  restartPolicy: Never\n  containers:\n  - name: main\n    command: ["sh", "-c", "exit 3"]\n`;
    await sedna(['apply', '-f', '-', '--data-dir', dataDir], failing);
    const failed = await waitFor('Failed', async () => {
      const pod = await getJson(['pod', 'failing']);
      return pod.status?.phase === 'Failed' ? pod : undefined;
    });
    expect(failed.status.containerStatuses[0].state.terminated.exitCode).toBe(3);

    const pidFile = join(work, "long.pid");
    // `$$` is Kubernetes' escape for a literal `$` in commands: `$$$$` reaches the shell as `$$`, its pid.
    const long = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: long\nspec:\n  nodeName: edge-node-1\n  terminationGracePeriodSeconds: 5\n  containers:\n  - name: main\n    command: ["sh", "-c", "echo $$$$ > ${pidFile}; exec sleep 300"]\n`;
    await sedna(['apply', '-f', '-', '--data-dir', dataDir], long);
    await waitFor('Running', async () => ((await getJson(['pod', 'long'])).status?.phase === 'Running' ? true : undefined));
    const pid = await waitFor('the pid file', () => Number(readFileSync(pidFile, 'utf8').trim()) || undefined);
    expect(processAlive(pid)).toBe(true);
    const deleted = await sedna(['delete', 'pod', 'long', '--data-dir', dataDir]);
    expect(deleted.stdout).toContain('deleted');
    await waitFor('the process to end', () => (processAlive(pid) ? undefined : true), 10_000);
    expect((await sedna(['get', 'pod', 'long', '--data-dir', dataDir])).stderr).toContain('not found');
  });

  it('restarts a control plane killed with SIGKILL on the same ports, losing nothing; the local controllers reconnect and resync', async () => {
    const info = readControlPlaneInfo(dataDir)!;
    const cpPid = handle.pid('control-plane')!;
    process.kill(cpPid, 'SIGKILL');
    // While the GM is away, the edge LC counts new samples: its report waits in the on-disk outbox.
    appendFileSync(join(work, 'train_data.txt'), 'img/6.png 0\nimg/7.png 1\n');
    await waitFor('sedna up to restart the control plane', () => (handle.pid('control-plane') !== cpPid ? true : undefined), 30_000);
    await waitFor('a line saying what died', () => (logs.some((l) => /control-plane died \(killed by SIGKILL\).*restarting it/.test(l)) ? true : undefined));
    try {
      await waitFor('the API again', async () => ((await getJson(['dataset', 'incremental-dataset'])).status?.numberOfSamples === 7 ? true : undefined), 30_000);
      for (const node of handle.nodes) await waitFor(`${node} Ready`, async () => ((await nodeReady(node)) === 'True' ? true : undefined), 30_000);
      const pods = await getJson(['pods']);
      expect(pods.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual(['failing', 'once']);
      const again = readControlPlaneInfo(dataDir)!;
      expect([again.apiUrl, again.hubUrl, again.kbUrl]).toEqual([info.apiUrl, info.hubUrl, info.kbUrl]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${logs.slice(-30).join('\n')}`, { cause: err });
    }
  });

  it('restarts a GM killed with SIGKILL, and the local controllers reconnect and resync', async () => {
    const before = readControlPlaneInfo(dataDir)!;
    const gmPid = Number(readFileSync(join(dataDir, 'gm.ready'), 'utf8') && JSON.parse(readFileSync(join(dataDir, 'gm.ready'), 'utf8')).pid);
    expect(gmPid).toBeGreaterThan(0);
    process.kill(gmPid, 'SIGKILL');
    appendFileSync(join(work, 'train_data.txt'), 'img/gm.png 0\n');
    await waitFor('a new GM', () => {
      const ready = JSON.parse(readFileSync(join(dataDir, 'gm.ready'), 'utf8')) as { pid: number };
      return ready.pid !== gmPid ? true : undefined;
    }, 30_000);
    await waitFor('the report queued while the GM was away', async () => ((await getJson(['dataset', 'incremental-dataset'])).status?.numberOfSamples === 8 ? true : undefined), 30_000);
    for (const node of handle.nodes) await waitFor(`${node} Ready`, async () => ((await nodeReady(node)) === 'True' ? true : undefined), 30_000);
    expect(readControlPlaneInfo(dataDir)!.hubUrl).toBe(before.hubUrl);
  });

  it('turns a stuck local controller NotReady; killed, sedna up restarts it, Ready with nothing lost', async () => {
    const lcPid = handle.pid('edge-node-1')!;
    // Stopped, it sends no heartbeats: NotReady. Then killed: sedna up starts it again.
    process.kill(lcPid, 'SIGSTOP');
    await waitFor('edge-node-1 NotReady', async () => ((await nodeReady('edge-node-1')) === 'False' ? true : undefined));
    appendFileSync(join(work, 'train_data.txt'), 'img/8.png 0\n');
    process.kill(lcPid, 'SIGKILL');
    await waitFor('sedna up to restart edge-node-1', () => (handle.pid('edge-node-1') !== lcPid ? true : undefined), 30_000);
    await waitFor('edge-node-1 Ready', async () => ((await nodeReady('edge-node-1')) === 'True' ? true : undefined));
    await waitFor('9 samples', async () => ((await getJson(['dataset', 'incremental-dataset'])).status?.numberOfSamples === 9 ? true : undefined));
  });
});
