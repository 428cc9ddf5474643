/**
 * The entry of a test case's worker thread (pool.ts starts one per case). A case runs in a thread of its own, so
 * cases run in parallel on several cores with their own module instances, ClassFactory registrations, WebAssembly
 * memory and copy of the environment, and an uncaught error or a process.exit() in a module ends only its case.
 * The datasets are the runner's: each index file a case loads is asked for, and comes back as the runner's one
 * copy in shared memory (nothing to read or fault in again per case).
 */
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { provideSharedIndexes } from '../paradigms/data.js';
import { sharedSet } from '../paradigms/index-cache.js';
import { runCase } from './run-case.js';
import { ianvsTime, type CaseResult, type CaseSpec } from './spec.js';
import type { FromCase, ToCase } from './thread-messages.js';

const port = parentPort;
if (!port) throw new Error('case-thread.js runs as a worker thread of the benchmarking runner (cases/pool.ts)');
const send = (message: FromCase): void => port.postMessage(message);

const waiting = new Map<number, (shared: SharedArrayBuffer | undefined) => void>();
let nextRequest = 0;
port.on('message', (message: ToCase) => {
  waiting.get(message.id)?.(message.shared);
  waiting.delete(message.id);
});
provideSharedIndexes(
  (file, what) =>
    new Promise((resolve) => {
      const id = nextRequest++;
      waiting.set(id, (shared) => resolve(shared ? sharedSet(shared, file) : undefined));
      send({ type: 'index', id, file, what });
    }),
);

const spec = (workerData as { spec: CaseSpec }).spec;
const started = Date.now();
const log = (line: string): void => void process.stdout.write(`${line}\n`);
let result: CaseResult;
try {
  const out = await runCase(spec, log);
  result = { id: spec.id, ok: true, metrics: out.metrics, time: ianvsTime(), seconds: (Date.now() - started) / 1000 };
  writeFileSync(`${spec.outputDir}/system-metric-info.json`, JSON.stringify(out.system, null, 1));
} catch (err) {
  const e = err as Error;
  process.stderr.write(`${e.stack ?? e.message}\n`);
  result = { id: spec.id, ok: false, metrics: {}, error: e.message, time: ianvsTime(), seconds: (Date.now() - started) / 1000 };
}
writeFileSync(`${spec.outputDir}/result.json`, JSON.stringify(result));
send({ type: 'result', result });
// Estimators may hold timers, sockets or threads of their own; the case is done, and this ends only its thread.
process.exit(0);
