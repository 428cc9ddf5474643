/**
 * Finding 10, the last part: `sedna up` stops everything it started (the control plane, the knowledge base, the
 * local controllers) on SIGTERM and on Ctrl-C (SIGINT), and exits. The rest of the finding (a part that dies is
 * restarted with a line saying what died and how) is in allinone.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cliMain, ensureBuilt, processAlive, tempDir, waitFor } from '../harness.js';

const dirs: string[] = [];
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The processes below `pid` (read from /proc: each process's parent). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, of] of parentOf) {
      if (of !== parent) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

describe('sedna up on a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops every process it started and exits on ${signal}`, async () => {
      ensureBuilt();
      const dataDir = tempDir('sedna-up-signal-');
      dirs.push(dataDir);
      const child = spawn(process.execPath, [cliMain, 'up', '--edge-nodes', '0', '--data-dir', dataDir, '--port', '0', '--hub-port', '0', '--kb-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      started.push(child);
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
      await waitFor('sedna up to be up', () => (out.includes('Press Ctrl-C to stop.') ? true : undefined), 120_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${out.slice(-3000)}`);
      });
      const parts = descendants(child.pid!);
      // The control plane, the knowledge base and the cloud node's local controller at least.
      expect(parts.length, out.slice(-2000)).toBeGreaterThanOrEqual(3);
      child.kill(signal);
      const end = await exited;
      expect(end.code, out.slice(-2000)).toBe(0);
      await waitFor('every part to have ended', () => (parts.every((pid) => !processAlive(pid)) ? true : undefined), 30_000).catch((error: Error) => {
        throw new Error(`${error.message}: still running ${parts.filter((pid) => processAlive(pid)).join(', ')}`);
      });
    }, 180_000);
  }
});
