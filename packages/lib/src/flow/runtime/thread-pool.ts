/**
 * Worker threads for CPU-bound units (`threads=N` on a node). The unit gives a self-contained function
 * `(ports, options) => ports` as source text; each worker compiles it once. Inputs are copied to the worker (not
 * transferred: a frame fanned out to two units must stay readable by the other), outputs' buffers are transferred
 * back. The workers are started from a script passed as text (`eval: true`), so this works the same from the
 * TypeScript sources and the built package.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const run = new Function('return (' + workerData.source + ')')();
const options = workerData.options;
function transferables(value, out) {
  if (value && typeof value === 'object') {
    if (ArrayBuffer.isView(value)) { if (!out.includes(value.buffer) && value.buffer instanceof ArrayBuffer) out.push(value.buffer); }
    else for (const v of Object.values(value)) transferables(v, out);
  }
  return out;
}
parentPort.on('message', (job) => {
  try {
    const ports = run(job.ports, options);
    parentPort.postMessage({ id: job.id, ports }, transferables(ports, []));
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String((error && error.stack) || error) });
  }
});
`;

interface Pending {
  resolve: (ports: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

export class UnitThreadPool {
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(source: string, options: unknown, size: number, name: string) {
    for (let k = 0; k < size; k++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { source, options }, name: `sedna-flow-${name}-${k}` });
      const slot = { worker, busy: 0 };
      worker.on('message', (reply: { id: number; ports?: Record<string, unknown>; error?: string }) => {
        slot.busy--;
        const p = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.error !== undefined) p?.reject(new Error(reply.error));
        else p?.resolve(reply.ports ?? {});
      });
      worker.on('error', (error) => this.fail(new Error(`worker thread ${k} of ${name} failed: ${error.message}`)));
      this.workers.push(slot);
    }
  }

  /** Runs the function on one item in the least busy worker. */
  run(ports: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, ports });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
