/** Helpers for tests that run the all-in-one control plane as real processes. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const cliMain = join(repoRoot, 'packages/cli/dist/main.js');

let built = false;
/** The CLI runs its parts as child processes from dist/: build once (incremental, fast when up to date). */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync('npx', ['tsc', '-b', join(repoRoot, 'packages/cli/tsconfig.json')], { cwd: repoRoot, stdio: 'inherit' });
  built = true;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export { waitFor } from '../../../test-kit/index.js';

/** Runs the `sedna` CLI and collects its output. */
export function sedna(args: string[], input?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [cliMain, ...args], { env: { ...process.env, KUBECONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => res({ status: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Runs a command (an example's run.ts, kubectl) and collects its stdout and stderr together, as a user sees them. */
export function runCommand(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ status: number; out: string }> {
  return new Promise((res) => {
    const child = spawn(command, args, { ...(options.cwd ? { cwd: options.cwd } : {}), env: { ...process.env, ...options.env } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => res({ status: code ?? -1, out }));
  });
}

/** True while the process exists and is not a zombie (orphans here may not be reaped at once). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
