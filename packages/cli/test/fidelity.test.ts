/**
 * The embedded control plane behaves like a cluster to its workers and clients (issue 13), on `sedna up` with
 * kubectl v1.35 and the official Python client:
 * - the documentation's JointInference sample applied unchanged (its workers have no command) settles: one Pod per
 *   worker waiting with CreateContainerConfigError, a condition naming it, a few Events and no more;
 * - a crashing worker shows CrashLoopBackOff, RESTARTS and `kubectl logs --previous`, and describe shows its Events;
 * - nodes carry nodeInfo (the Python client's list_node()) and a Lease renewed by heartbeats;
 * - the scheduler binds a Pod without nodeName, or says why not; a long job name fits Kubernetes' limits;
 * - deleting a namespace ends its Pods' processes; a claim is mounted at its mountPath.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultKubectl, type Kubectl, kubectlRunner } from '../../../examples/common/kubectl.js';
import { up, type UpHandle } from '../src/commands/up.js';
import { ensureBuilt, processAlive, tempDir, waitFor } from './harness.js';
import { podFolders, stopControlPlaneAndPods } from './pod-processes.js';

let handle: UpHandle;
let dataDir: string;
let kubectl: Kubectl;
const PYTHON = '/usr/bin/python3';

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDir('sedna-fidelity-');
  handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: [dataDir], log: () => undefined });
  kubectl = kubectlRunner(defaultKubectl(), handle.kubeconfig);
}, 120_000);
afterAll(async () => {
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function json(args: string[]): Promise<any> {
  const r = await kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** `kubectl get pods` as a user reads it: the row of one pod, by column name. */
async function podRow(name: string, namespace = 'default'): Promise<Record<string, string> | undefined> {
  const r = await kubectl(['get', 'pods', '-n', namespace]);
  const [header, ...rows] = r.stdout.trim().split('\n');
  const columns = header!.split(/\s{2,}/);
  const row = rows.map((l) => l.split(/\s{2,}/)).find((cells) => cells[0] === name);
  return row ? Object.fromEntries(columns.map((c, i) => [c, row[i] ?? ''])) : undefined;
}

describe("the documentation's JointInference sample, unchanged", () => {
  it('settles: one Pod per worker waiting with CreateContainerConfigError, the condition says so, few Events', async () => {
    const sample = readFileSync(join(import.meta.dirname, 'fixtures/joint-inference-helmet.yaml'), 'utf8').replaceAll('$EDGE_NODE', 'edge-node-1').replaceAll('$CLOUD_NODE', 'cloud-node');
    const created = await kubectl(['create', '-f', '-'], sample);
    expect(created.stderr).toBe('');
    const ji = await waitFor('the condition naming CreateContainerConfigError', async () => {
      const o = await json(['get', 'ji', 'helmet-detection-inference-example']);
      return o.status?.conditions?.at(-1)?.reason === 'CreateContainerConfigError' ? o : undefined;
    }, 60_000);
    expect(ji.status.conditions.at(-1).message).toMatch(/command is required in embedded mode/);
    const selector = `jointinferenceservice.sedna.io/uid=${ji.metadata.uid}`;
    const pods = async () => (await json(['get', 'pods', '-l', selector])).items as any[];
    const eventCount = async () => (await json(['get', 'events'])).items.length as number;
    const before = { pods: (await pods()).map((p) => p.metadata.uid).sort(), events: await eventCount() };
    // A while later nothing was replaced and hardly anything more was said (it used to be thousands of events).
    await new Promise((r) => setTimeout(r, 15_000));
    const after = { pods: (await pods()).map((p) => p.metadata.uid).sort(), events: await eventCount() };
    expect(after.pods).toEqual(before.pods);
    expect(after.pods).toHaveLength(2);
    expect(after.events - before.events).toBeLessThanOrEqual(2);
    expect(after.events).toBeLessThan(20);

    const edge = (await pods()).find((p) => p.metadata.labels['jointinferenceservice.sedna.io/worker-type'] === 'edge');
    const row = await podRow(edge.metadata.name);
    expect(row).toMatchObject({ READY: '0/1', STATUS: 'CreateContainerConfigError', RESTARTS: '0' });
    const logs = await kubectl(['logs', edge.metadata.name]);
    expect(logs.stderr).toContain('is waiting to start: CreateContainerConfigError');
    const described = await kubectl(['describe', 'pod', edge.metadata.name]);
    expect(described.stdout).toMatch(/State:\s+Waiting\s+Reason:\s+CreateContainerConfigError/);
    expect(described.stdout).toMatch(/Warning\s+Failed\s+.*Error: container "little-model": command is required/);
  }, 120_000);
});

describe('an incremental learning job whose inference worker has no command', () => {
  it('says CreateContainerConfigError in its waiting condition', async () => {
    const file = join(dataDir, 'il-data.txt');
    writeFileSync(file, 'a.png 0\n');
    const manifest = `apiVersion: sedna.io/v1alpha1
kind: Dataset
metadata: {name: il-data}
spec: {url: "${file}", format: txt, nodeName: edge-node-1}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: il-model}
spec: {url: /m, format: pb}
---
apiVersion: sedna.io/v1alpha1
kind: IncrementalLearningJob
metadata: {name: il-no-command}
spec:
  initialModel: {name: il-model}
  dataset: {name: il-data, trainProb: 0.8}
  trainSpec:
    template: {spec: {nodeName: edge-node-1, containers: [{name: train, image: x}]}}
    trigger: {checkPeriodSeconds: 60, condition: {operator: ">", threshold: 500, metric: num_of_samples}}
  evalSpec:
    template: {spec: {nodeName: edge-node-1, containers: [{name: eval, image: x}]}}
  deploySpec:
    model: {name: il-model}
    trigger: {condition: {operator: ">", threshold: 0.1, metric: precision_delta}}
    hardExampleMining: {name: IBT}
    template: {spec: {nodeName: edge-node-1, containers: [{name: infer, image: x}]}}
  outputDir: ${join(dataDir, 'il-out')}
`;
    expect((await kubectl(['apply', '-f', '-'], manifest)).stderr).toBe('');
    const job = await waitFor('the waiting condition naming CreateContainerConfigError', async () => {
      const o = await json(['get', 'il', 'il-no-command']);
      return o.status?.conditions?.at(-1)?.reason === 'CreateContainerConfigError' ? o : undefined;
    }, 60_000);
    expect(job.status.conditions.at(-1)).toMatchObject({ type: 'Waiting', stage: 'Train' });
    expect(job.status.conditions.at(-1).message).toMatch(/the inference worker .*command is required/);
    await kubectl(['delete', 'il', 'il-no-command', '--wait=false']);
  }, 90_000);
});

describe('a worker that crashes', () => {
  it('shows CrashLoopBackOff with RESTARTS, keeps the previous log, and describe shows the BackOff event', async () => {
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  nodeName: edge-node-1
  containers:
  - name: main
    image: none
    command: ["/bin/sh", "-c", "echo run started; exit 3"]
`;
    expect((await kubectl(['apply', '-f', '-'], pod)).stderr).toBe('');
    const row = await waitFor('CrashLoopBackOff', async () => {
      const r = await podRow('crasher');
      return r?.['STATUS'] === 'CrashLoopBackOff' ? r : undefined;
    }, 60_000);
    expect(row['READY']).toBe('0/1');
    expect(row['RESTARTS']).toMatch(/^[1-9]\d* \(\d+s ago\)$/);
    const previous = await kubectl(['logs', 'crasher', '--previous']);
    expect(previous.stdout).toBe('run started\n');
    // The Event follows the status the node reported.
    const described = await waitFor('the BackOff event in describe', async () => {
      const r = await kubectl(['describe', 'pod', 'crasher']);
      return /Warning\s+BackOff\s+.*Back-off restarting failed container main/.test(r.stdout) ? r.stdout : undefined;
    });
    expect(described).toMatch(/Last State:\s+Terminated\s+Reason:\s+Error\s+Exit Code:\s+3/);
    const backoffs = (await json(['get', 'events', '--field-selector', 'involvedObject.name=crasher,reason=BackOff'])).items;
    expect(backoffs).toHaveLength(1);
    await kubectl(['delete', 'pod', 'crasher', '--wait=false']);
  }, 120_000);
});

describe('nodes', () => {
  it.skipIf(!existsSync(PYTHON))("carry nodeInfo for the Python client's list_node(), and a Lease renewed by heartbeats", async () => {
    const listed = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const child = spawn(PYTHON, ['-c', `
import sys, json
from kubernetes import client, config
config.load_kube_config(config_file=sys.argv[1])
nodes = client.CoreV1Api().list_node().items
print(json.dumps([[n.metadata.name, n.status.node_info.architecture, n.status.node_info.kubelet_version, n.status.capacity.get('pods')] for n in nodes]))
`, handle.kubeconfig]);
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    });
    expect(listed.err).toBe('');
    const nodes = JSON.parse(listed.out) as [string, string, string, string][];
    expect(nodes.map((n) => n[0]).sort()).toEqual(['cloud-node', 'edge-node-1']);
    for (const [, arch, kubelet, pods] of nodes) {
      expect(arch).toMatch(/^(amd64|arm64)$/);
      expect(kubelet).toMatch(/^v1\.35\.0-sedna-lc\./);
      expect(pods).toBe('110');
    }
    const renewTime = async () => (await json(['get', 'lease', '-n', 'kube-node-lease', 'edge-node-1'])).spec.renewTime as string;
    const first = await renewTime();
    await waitFor('the lease renewed', async () => ((await renewTime()) > first ? true : undefined), 40_000);
  }, 60_000);
});

describe('the scheduler and names', () => {
  it('binds a Pod without nodeName to a node that fits, or says why none does', async () => {
    const pod = (name: string, role: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeSelector: {sedna.io/role: ${role}}
  containers: [{name: main, image: none, command: ["/bin/sh", "-c", "sleep 300"]}]
`;
    await kubectl(['apply', '-f', '-'], pod('placed', 'edge'));
    await kubectl(['apply', '-f', '-'], pod('nowhere', 'gpu'));
    const placed = await waitFor('placed Running', async () => {
      const o = await json(['get', 'pod', 'placed']);
      return o.status?.phase === 'Running' ? o : undefined;
    }, 30_000);
    expect(placed.spec.nodeName).toBe('edge-node-1');
    expect(placed.status.conditions.find((c: any) => c.type === 'PodScheduled')?.status).toBe('True');
    const nowhere = await waitFor('nowhere Unschedulable', async () => {
      const o = await json(['get', 'pod', 'nowhere']);
      return o.status?.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False') ? o : undefined;
    });
    expect(nowhere.status.conditions.find((c: any) => c.type === 'PodScheduled').message).toBe("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
    const events = (await json(['get', 'events', '--field-selector', 'involvedObject.name=nowhere,reason=FailedScheduling'])).items;
    expect(events.length).toBe(1);
    await kubectl(['delete', 'pod', 'placed', 'nowhere', '--wait=false']);
  }, 60_000);

  it('keeps the derived names of a long-named service within the limits (a hash shortens them)', async () => {
    const name = `a-joint-inference-service-whose-name-is-long-${'x'.repeat(20)}`;
    const manifest = `apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: long-m}
spec: {url: /m, format: pb}
---
apiVersion: sedna.io/v1alpha1
kind: JointInferenceService
metadata: {name: ${name}}
spec:
  edgeWorker:
    model: {name: long-m}
    hardExampleMining: {name: IBT}
    template: {spec: {nodeName: edge-node-1, containers: [{name: w, image: x, command: ["/bin/sh", "-c", "sleep 300"]}]}}
  cloudWorker:
    model: {name: long-m}
    template: {spec: {nodeName: cloud-node, containers: [{name: w, image: x, command: ["/bin/sh", "-c", "sleep 300"]}]}}
`;
    expect((await kubectl(['apply', '-f', '-'], manifest)).stderr).toBe('');
    const ji = await waitFor('both workers running', async () => {
      const o = await json(['get', 'ji', name]);
      return o.status?.active === 2 ? o : undefined;
    }, 60_000);
    expect(ji.status.conditions.at(-1).type).toBe('Running');
    const services = (await json(['get', 'svc'])).items.filter((s: any) => s.metadata.ownerReferences?.[0]?.uid === ji.metadata.uid);
    expect(services).toHaveLength(1);
    expect(services[0].metadata.name.length).toBeLessThanOrEqual(63);
    expect(services[0].metadata.name).toMatch(/^a-joint-inference-service-whose-name-is-long-[a-z0-9-]*-[0-9a-f]{10}-cloud$/);
    await kubectl(['delete', 'ji', name, '--wait=false']);
  }, 90_000);
});

describe('namespaces and volumes', () => {
  it('deleting a namespace ends the processes of its Pods, then the namespace goes', async () => {
    expect((await kubectl(['create', 'namespace', 'scratch'])).stderr).toBe('');
    await kubectl(['apply', '-n', 'scratch', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: sleeper}\nspec:\n  nodeName: edge-node-1\n  containers: [{name: main, image: none, command: ["/bin/sh", "-c", "sleep 300"]}]\n');
    const folder = await waitFor('the sleeper running', () => podFolders(dataDir).find((f) => f.name === 'sleeper' && f.wrapperPid !== undefined));
    const deleted = await kubectl(['delete', 'namespace', 'scratch']);
    expect(deleted.stdout).toContain('namespace "scratch" deleted');
    expect((await kubectl(['get', 'namespace', 'scratch'])).stderr).toContain('not found');
    expect(processAlive(folder.wrapperPid!)).toBe(false);
  }, 90_000);

  it('mounts a claim at its mountPath', async () => {
    const mountPath = join(dataDir, 'mnt', 'results');
    const manifest = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: results}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  nodeName: edge-node-1
  restartPolicy: Never
  volumes: [{name: out, persistentVolumeClaim: {claimName: results}}]
  containers:
  - name: main
    image: none
    command: ["/bin/sh", "-c", "echo written > ${mountPath}/result.txt"]
    volumeMounts: [{name: out, mountPath: ${mountPath}}]
`;
    expect((await kubectl(['apply', '-f', '-'], manifest)).stderr).toBe('');
    await waitFor('the writer Succeeded', async () => ((await json(['get', 'pod', 'writer'])).status?.phase === 'Succeeded' ? true : undefined), 30_000);
    const volume = (await json(['get', 'pvc', 'results'])).spec.volumeName as string;
    const path = (await json(['get', 'pv', volume])).spec.hostPath.path as string;
    expect(readFileSync(join(path, 'result.txt'), 'utf8')).toBe('written\n');
  }, 60_000);
});
