/**
 * `run.ts --kubeconfig <file>`: applies the filled-in manifest to a running control plane (`sedna up`, or a cluster
 * whose nodes see this machine's folders) with kubectl, follows the FederatedLearningJob (one Training condition per
 * round), waits until it Succeeded or Failed, and deletes what it applied unless told to keep it.
 */
import { defaultKubectl, kubectlRunner, type Kubectl } from '../../common/kubectl.js';
import type { Manifest } from './manifest.js';

export interface KubeRunOptions {
  manifest: Manifest;
  kubeconfig: string;
  /** kubectl to run (default $KUBECTL, else the v1.35 binary bundled with the repository). */
  kubectl?: string;
  keep?: boolean;
  timeoutMs: number;
  log: (line: string) => void;
}

export interface KubeRunResult {
  status: Record<string, unknown>;
  /** The aggregation Model's status (its metrics come from the aggregator's final report). */
  modelStatus: Record<string, unknown> | undefined;
}

async function getJson(kubectl: Kubectl, kind: string, name: string, namespace: string): Promise<Record<string, unknown> | undefined> {
  const got = await kubectl(['get', kind, name, '-n', namespace, '-o', 'json']);
  return got.code === 0 ? (JSON.parse(got.stdout) as Record<string, unknown>) : undefined;
}

export async function runKube(options: KubeRunOptions): Promise<KubeRunResult> {
  const { manifest, log } = options;
  const kubectl = kubectlRunner(options.kubectl ?? defaultKubectl(), options.kubeconfig);
  const namespace = manifest.job.metadata.namespace ?? 'default';
  const name = manifest.job.metadata.name;
  const modelName = manifest.job.spec.aggregationWorker.model.name;
  const applied = await kubectl(['apply', '-f', '-'], manifest.text);
  if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.stderr.trim() || applied.stdout.trim()}`);
  for (const line of applied.stdout.trim().split('\n')) log(`kubectl: ${line}`);
  try {
    const deadline = Date.now() + options.timeoutMs;
    let conditionsShown = 0;
    let phaseShown = '';
    for (;;) {
      const job = await getJson(kubectl, 'federatedlearningjob', name, namespace);
      const status = (job?.['status'] ?? {}) as { phase?: string; conditions?: { type: string; message?: string }[] };
      const conditions = status.conditions ?? [];
      for (const condition of conditions.slice(conditionsShown)) log(`${name}: ${condition.type}: ${condition.message ?? ''}`);
      conditionsShown = conditions.length;
      if (status.phase !== undefined && status.phase !== phaseShown) log(`${name}: phase ${status.phase}`);
      phaseShown = status.phase ?? phaseShown;
      if (status.phase === 'Succeeded' || status.phase === 'Failed') {
        const model = await getJson(kubectl, 'model', modelName, namespace);
        if (status.phase === 'Failed') {
          const pods = await kubectl(['get', 'pods', '-n', namespace, '-o', 'wide']);
          throw new Error(`the job failed: ${conditions.at(-1)?.message ?? ''}; pods:\n${pods.stdout || pods.stderr}`);
        }
        return { status: status as Record<string, unknown>, modelStatus: model?.['status'] as Record<string, unknown> | undefined };
      }
      if (Date.now() > deadline) {
        const pods = await kubectl(['get', 'pods', '-n', namespace, '-o', 'wide']);
        throw new Error(`the job did not finish within ${options.timeoutMs / 1000} s (phase ${phaseShown || 'unknown'}); pods:\n${pods.stdout || pods.stderr}`);
      }
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 1000));
    }
  } finally {
    if (!options.keep) {
      const deleted = await kubectl(['delete', '--ignore-not-found', '-f', '-'], manifest.text);
      if (deleted.code !== 0) log(`kubectl delete failed: ${deleted.stderr.trim()}`);
      else for (const line of deleted.stdout.trim().split('\n').filter(Boolean)) log(`kubectl: ${line}`);
    }
  }
}
