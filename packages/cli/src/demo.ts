/**
 * `npm run demo`: joint inference end to end on the all-in-one control plane. `sedna up` starts the API server,
 * the GM and three local controllers (a cloud node and two edge nodes) as separate processes; then the Fashion-MNIST
 * joint inference example (examples/joint_inference/fashion_mnist/run.ts) trains its two models if they are not
 * there yet, applies its JointInferenceService with kubectl, waits for the edge worker to stream the 10,000 test
 * images, and prints edge-only, cloud-only and joint accuracy, the upload ratio and the throughput. Everything is
 * stopped at the end. Extra arguments go to run.ts (for example `npm run demo -- --count 2000`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { up } from './commands/up.js';
import { bundledKubectl } from './kubectl.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = mkdtempSync(join(tmpdir(), 'sedna-demo-'));
const kubectl = bundledKubectl(join(root, 'node_modules', '.cache'));

function run(command: string, args: string[]): Promise<number> {
  return new Promise((res) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: root, env: { ...process.env, HOME: dataDir } });
    child.on('close', (code) => res(code ?? 1));
  });
}

console.log('$ sedna up --edge-nodes 2');
const handle = await up({ dataDir, edgeNodes: 2, apiPort: 0, hubPort: 0, datasetRoots: ['/'], log: (m) => (/Sedna is up|export KUBECONFIG/.test(m) ? console.log(m.trim()) : undefined) });
let status: number;
try {
  console.log('\n$ kubectl get nodes');
  await run(kubectl, ['--kubeconfig', handle.kubeconfig, 'get', 'nodes', '-o', 'wide']);
  console.log('\n$ node --import tsx examples/joint_inference/fashion_mnist/run.ts --kubeconfig ... --quiet');
  status = await run(process.execPath, ['--import', 'tsx', join(root, 'examples/joint_inference/fashion_mnist/run.ts'), '--kubeconfig', handle.kubeconfig, '--kubectl', kubectl, '--edge-node', 'edge-node-1', '--cloud-node', 'cloud-node', '--quiet', ...process.argv.slice(2)]);
} finally {
  await handle.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(status);
