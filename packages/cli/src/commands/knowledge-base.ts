/**
 * The knowledge base server of lifelong learning, run by the control plane as the original's install runs its KB
 * Deployment in the cloud: the lib's run-kb as a child process, its files and SQLite database under
 * `<data-dir>/kb`, restarted on the same port when it dies. The GM gives its URL to workers as KB_SERVER.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { endChild } from './child-process.js';
import { WORKER_ENV } from '@sedna/api/contracts';

// The lib's entry resolves to its dist/index.js, run-kb.js beside it; a control plane run from the TypeScript
// sources (node --conditions=source --import tsx, as the benchmarks do) gets src/index.ts and run-kb.ts, and its
// node flags are passed on so the child can load it.
function runKbCommand(): string[] {
  // The real path: run-kb runs its main block only when started as itself, not through the node_modules link.
  const entry = realpathSync(fileURLToPath(import.meta.resolve('@sedna/lib')));
  const script = join(dirname(entry), 'core', 'lifelong_learning', entry.endsWith('.ts') ? 'run-kb.ts' : 'run-kb.js');
  return entry.endsWith('.ts') ? [...process.execArgv, script] : [script];
}

const LISTENING = /knowledge base listening on [^\s:]+:(\d+)/;

export interface KnowledgeBaseOptions {
  /** The folder of its files and database. */
  dir: string;
  /** Address to listen on. */
  host: string;
  /** Port; 0 for any free one (kept across restarts). */
  port: number;
  /** The address workers reach it by (the host when it is not 0.0.0.0). */
  advertise: string;
  /** The file of the job-credential secret: writes need a job's credential. */
  secretFile?: string;
  log: (msg: string) => void;
}

export class KnowledgeBaseProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private port: number;

  constructor(private readonly options: KnowledgeBaseOptions) {
    this.port = options.port;
  }

  /** Starts it and resolves with the URL workers use, once it listens. */
  async start(): Promise<string> {
    const child = spawn(process.execPath, runKbCommand(), {
      env: { ...process.env, [WORKER_ENV.KnowledgeBaseServer]: `http://${this.options.host}:${this.port}`, [WORKER_ENV.KnowledgeBasePath]: this.options.dir, ...(this.options.secretFile ? { [WORKER_ENV.SEDNA_JOB_CREDENTIAL_SECRET_FILE]: this.options.secretFile } : {}) },
      // The IPC channel ties its life to ours (run-kb exits when it closes).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString();
        for (const line of text.split('\n')) if (line.trim() !== '') this.options.log(`knowledge base | ${line}`);
        output += text;
        const match = LISTENING.exec(output);
        if (match) resolve(Number(match[1]));
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => reject(new Error(`the knowledge base server exited (${signal ?? code}) before it listened: ${output.trim().split('\n').at(-1) ?? ''}`)));
    });
    this.port = port;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      const delay = Math.min(5000, 200 * 2 ** Math.min(this.restarts++, 5));
      this.options.log(`the knowledge base server exited (${signal ?? code}); restarting it in ${delay} ms`);
      setTimeout(() => void this.start().then(() => (this.restarts = 0)).catch((err: unknown) => this.options.log(String(err))), delay).unref();
    });
    return `http://${this.options.advertise}:${port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child) await endChild(this.child);
  }

}
