/**
 * Runs test cases, each in a worker thread of its own (case-thread.ts), at most `parallel` at a time. Unlike Ianvs
 * (serial, the first failure aborts the job) a failing case is recorded with its error and the others go on. Each
 * case's output goes to `<case dir>/case.log`; the console gets one line per case start and end. The datasets the
 * cases load are read once here and shared with every case (SharedIndexes).
 */
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadIndex } from '../paradigms/data.js';
import { readDecodedShared } from '../paradigms/index-cache.js';
import { longestFirst, readCaseDurations, saveCaseDurations } from './durations.js';
import { ianvsTime, type CaseResult, type CaseSpec } from './spec.js';
import type { FromCase, ToCase } from './thread-messages.js';

// Cases always run the built JavaScript (also when the runner itself runs from its TypeScript sources), so a
// module importing '@sedna/lib' (or one of its entry points) shares the one ClassFactory with the runner's code in that thread.
const CASE_THREAD = fileURLToPath(new URL('../../dist/cases/case-thread.js', import.meta.url));

export interface PoolOptions {
  parallel: number;
  log: (line: string) => void;
  /** Called when a case ends (progress). */
  onResult?: (result: CaseResult, done: number, total: number) => void;
  /**
   * The cases' durations of earlier runs (durations.ts): with `parallel` > 1 the longest start first, and this
   * run's durations are added. Without it, or serially, cases start in grid order.
   */
  durationsFile?: string;
}

const running = new Set<Worker>();

/** Ends every case still running (Ctrl-C). */
export function killRunningCases(): void {
  for (const worker of running) void worker.terminate();
}

/**
 * The index files' decoded samples in shared memory, each read once for all the cases of a run: a case's thread
 * asks for a file when it loads it. A dataset not decoded yet is decoded here first (and its decoded cache written);
 * when there is no cache to share (an index folder that is not writable), the case reads the index itself.
 */
class SharedIndexes {
  private readonly files = new Map<string, Promise<SharedArrayBuffer | undefined>>();

  get(file: string, what: string): Promise<SharedArrayBuffer | undefined> {
    let shared = this.files.get(file);
    if (!shared) {
      shared = (async () => readDecodedShared(file) ?? (await loadIndex(file, what), readDecodedShared(file)))().catch(() => undefined);
      this.files.set(file, shared);
    }
    return shared;
  }
}

export async function runCases(specs: readonly CaseSpec[], options: PoolOptions): Promise<CaseResult[]> {
  if (!existsSync(CASE_THREAD)) throw new Error(`${CASE_THREAD} is missing: build the project first (npm run build)`);
  const shared = new SharedIndexes();
  const results: CaseResult[] = new Array(specs.length);
  const order = startOrder(specs, options);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const k = order[next++];
      if (k === undefined) return;
      const spec = specs[k] as CaseSpec;
      options.log(`case ${k + 1}/${specs.length} ${spec.algorithm.name} ${describeCase(spec)} started (${spec.outputDir})`);
      const result = await runOne(spec, shared);
      results[k] = result;
      done++;
      options.log(`case ${k + 1}/${specs.length} ${result.ok ? `done in ${result.seconds.toFixed(1)} s: ${summary(result)}` : `FAILED: ${result.error}`}`);
      options.onResult?.(result, done, specs.length);
    }
  };
  const all = Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, specs.length)) }, worker));
  // The first threads are starting (each loads its code for a few hundred ms): read the datasets meanwhile.
  for (const spec of specs) {
    const { trainIndex, testIndex } = spec.testenv.dataset;
    if (trainIndex) void shared.get(trainIndex, 'train data');
    if (testIndex) void shared.get(testIndex, 'test data');
  }
  await all;
  if (options.durationsFile) saveCaseDurations(options.durationsFile, specs, results);
  return results;
}

/** Grid order, or with several cases at a time and known durations, the longest first. */
function startOrder(specs: readonly CaseSpec[], options: PoolOptions): number[] {
  const grid = specs.map((_, k) => k);
  if (!options.durationsFile || options.parallel <= 1 || specs.length <= options.parallel) return grid;
  const order = longestFirst(specs, readCaseDurations(options.durationsFile));
  if (order.some((k, i) => k !== i)) options.log(`starting the longest cases first, by their durations in earlier runs (${options.durationsFile})`);
  return order;
}

function describeCase(spec: CaseSpec): string {
  const hps = spec.modules.flatMap((m) => Object.entries(m.hyperparameters).map(([k, v]) => `${m.type}-${k}=${JSON.stringify(v)}`));
  return hps.length ? `[${hps.join(' ')}]` : '';
}

function summary(result: CaseResult): string {
  return Object.entries(result.metrics)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function runOne(spec: CaseSpec, shared: SharedIndexes): Promise<CaseResult> {
  mkdirSync(spec.outputDir, { recursive: true });
  writeFileSync(join(spec.outputDir, 'case.json'), JSON.stringify(spec, null, 1));
  const logFile = createWriteStream(join(spec.outputDir, 'case.log'));
  const started = Date.now();
  return new Promise((resolvePromise) => {
    // execArgv []: not the runner's own flags (a runner started through tsx would make every import of the case a
    // round trip to tsx's hooks); env: the case's own copy of the environment.
    const worker = new Worker(CASE_THREAD, { workerData: { spec }, stdout: true, stderr: true, execArgv: [], env: { ...process.env, BENCHMARK_CASE_ID: spec.id } });
    running.add(worker);
    let stderrTail = '';
    let result: CaseResult | undefined;
    let uncaught: string | undefined;
    worker.stdout.pipe(logFile, { end: false });
    worker.stderr.on('data', (c: Buffer) => {
      logFile.write(c);
      stderrTail = (stderrTail + c.toString()).slice(-2000);
    });
    worker.on('message', (message: FromCase) => {
      if (message.type === 'result') result = message.result;
      else void shared.get(message.file, message.what).then((buffer) => worker.postMessage({ type: 'index', id: message.id, shared: buffer } satisfies ToCase));
    });
    // An error nothing caught (in a module's timer, say) ends the thread; 'exit' follows.
    worker.on('error', (error) => {
      uncaught = error.message;
      logFile.write(`${error.stack ?? error.message}\n`);
    });
    worker.on('exit', (code) => {
      running.delete(worker);
      logFile.end();
      resolvePromise(result ?? { id: spec.id, ok: false, metrics: {}, error: `the case's thread ended (exit code ${code}) before its result: ${uncaught ?? stderrTail.trim().split('\n').pop() ?? ''}`, time: ianvsTime(), seconds: (Date.now() - started) / 1000 });
    });
  });
}
