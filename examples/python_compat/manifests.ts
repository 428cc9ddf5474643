/**
 * The YAML of the compatibility tests: Models, a JointInferenceService and a FederatedLearningJob whose workers are
 * either the Python workers of the original lib's shape in this folder (run with Debian's /usr/bin/python3) or this
 * project's TypeScript workers (node --import tsx), in any mix.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const COMPAT_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(COMPAT_DIR, '../..');
/** Debian's Python, which has fastapi, uvicorn, websockets, requests and numpy (the PATH's may not). */
export const PYTHON = '/usr/bin/python3';

export interface WorkerCommand {
  command: string[];
  env?: Record<string, string>;
}

export const python = (file: string, env: Record<string, string> = {}): WorkerCommand => ({ command: [PYTHON, '-u', resolve(COMPAT_DIR, file)], env });
export const typescript = (file: string, env: Record<string, string> = {}): WorkerCommand => ({ command: [process.execPath, '--import', 'tsx', resolve(COMPAT_DIR, file)], env });

function container(name: string, worker: WorkerCommand): string {
  const env = Object.entries(worker.env ?? {}).map(([k, v]) => `{name: ${k}, value: ${JSON.stringify(v)}}`);
  return `        containers:
        - name: ${name}
          image: compat/${name}
          command: ${JSON.stringify(worker.command)}
          workingDir: ${JSON.stringify(REPO_ROOT)}
          env: [${env.join(', ')}]`;
}

export function jointInferenceYaml(name: string, edge: WorkerCommand, cloud: WorkerCommand, hem: { name: string; parameters: Record<string, string> }): string {
  const params = Object.entries(hem.parameters).map(([key, value]) => `{key: ${key}, value: ${JSON.stringify(value)}}`);
  return `apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: ${name}-big}
spec: {url: /models/big, format: pb}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: ${name}-little}
spec: {url: /models/little, format: pb}
---
apiVersion: sedna.io/v1alpha1
kind: JointInferenceService
metadata: {name: ${name}}
spec:
  edgeWorker:
    model: {name: ${name}-little}
    hardExampleMining: {name: ${hem.name}, parameters: [${params.join(', ')}]}
    template:
      spec:
        nodeName: edge-node-1
${container('edge', edge)}
  cloudWorker:
    model: {name: ${name}-big}
    template:
      spec:
        nodeName: cloud-node
${container('cloud', cloud)}
`;
}

export function federatedLearningYaml(name: string, modelUrl: string, aggregator: WorkerCommand, trainers: { dataset: string; node: string; worker: WorkerCommand }[]): string {
  const datasets = trainers.map(
    (t) => `apiVersion: sedna.io/v1alpha1
kind: Dataset
metadata: {name: ${t.dataset}}
spec: {url: ${JSON.stringify(t.worker.env?.['DATA_FILE'] ?? '/data/train.txt')}, format: txt, nodeName: ${t.node}}
---
`,
  );
  const workers = trainers.map(
    (t) => `    - dataset: {name: ${t.dataset}}
      template:
        spec:
          nodeName: ${t.node}
  ${container('trainer', t.worker).replace(/\n/g, '\n  ')}`,
  );
  return `${datasets.join('')}apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: ${name}-model}
spec: {url: ${JSON.stringify(modelUrl)}, format: pb}
---
apiVersion: sedna.io/v1alpha1
kind: FederatedLearningJob
metadata: {name: ${name}}
spec:
  aggregationWorker:
    model: {name: ${name}-model}
    template:
      spec:
        nodeName: cloud-node
${container('aggregator', aggregator)}
  trainingWorkers:
${workers.join('\n')}
`;
}
