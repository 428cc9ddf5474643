/**
 * `run.ts --kubeconfig <file>`: applies the filled-in manifest to a running control plane (`sedna up`, or a cluster
 * whose nodes can reach this machine's folders) with kubectl, follows the JointInferenceService's status, waits for
 * the edge worker's summary.json, and deletes what it applied unless told to keep it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { defaultKubectl, kubectlRunner, type Kubectl } from '../../common/kubectl.js';
import type { Manifest } from './manifest.js';

export interface KubeRunOptions {
  manifest: Manifest;
  kubeconfig: string;
  /** kubectl to run (default $KUBECTL, else the v1.35 binary bundled with the repository). */
  kubectl?: string;
  summaryFile: string;
  /** Leave the service and models in place afterwards. */
  keep?: boolean;
  timeoutMs: number;
  log: (line: string) => void;
}

export interface KubeRunResult {
  /** The JointInferenceService's status when the summary appeared. */
  status: Record<string, unknown> | undefined;
}

function describeConditions(status: Record<string, unknown> | undefined): string {
  const conditions = (status?.['conditions'] as { type?: string; reason?: string; message?: string }[] | undefined) ?? [];
  const last = conditions.at(-1);
  return last ? `${last.type} (${last.reason ?? ''}: ${last.message ?? ''})` : 'no condition yet';
}

/**
 * The status once the metrics from the edge worker's last report (sent before it wrote the summary) have landed,
 * or what there is after a few seconds.
 */
async function finalStatus(kubectl: Kubectl, name: string, namespace: string, summaryFile: string, last: Record<string, unknown> | undefined): Promise<Record<string, unknown> | undefined> {
  const count = (JSON.parse(readFileSync(summaryFile, 'utf8')) as { count: number }).count;
  let status = last;
  for (let attempt = 0; attempt < 20; attempt++) {
    const metrics = (status?.['metrics'] as { key?: string; value?: string }[] | undefined) ?? [];
    if (metrics.some((m) => m.key === 'inferenceNumber' && Number(m.value) >= count)) break;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
    const got = await kubectl(['get', 'jointinferenceservice', name, '-n', namespace, '-o', 'json']);
    if (got.code === 0) status = (JSON.parse(got.stdout) as { status?: Record<string, unknown> }).status;
  }
  return status;
}

export async function runKube(options: KubeRunOptions): Promise<KubeRunResult> {
  const { manifest, log } = options;
  const kubectl = kubectlRunner(options.kubectl ?? defaultKubectl(), options.kubeconfig);
  const namespace = manifest.service.metadata.namespace ?? 'default';
  const name = manifest.service.metadata.name;
  const applied = await kubectl(['apply', '-f', '-'], manifest.text);
  if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.stderr.trim() || applied.stdout.trim()}`);
  for (const line of applied.stdout.trim().split('\n')) log(`kubectl: ${line}`);
  let status: Record<string, unknown> | undefined;
  try {
    const deadline = Date.now() + options.timeoutMs;
    let shown = '';
    for (;;) {
      const got = await kubectl(['get', 'jointinferenceservice', name, '-n', namespace, '-o', 'json']);
      if (got.code === 0) {
        status = (JSON.parse(got.stdout) as { status?: Record<string, unknown> }).status;
        const now = describeConditions(status);
        if (now !== shown) log(`${name}: ${now}`);
        shown = now;
      }
      if (existsSync(options.summaryFile)) return { status: await finalStatus(kubectl, name, namespace, options.summaryFile, status) };
      if (Date.now() > deadline) {
        const pods = await kubectl(['get', 'pods', '-n', namespace, '-o', 'wide']);
        throw new Error(`no ${options.summaryFile} after ${options.timeoutMs / 1000} s (service: ${shown}); pods:\n${pods.stdout || pods.stderr}`);
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
