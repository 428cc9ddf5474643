/**
 * Runs test cases, each in a child process, at most `parallel` at a time. Unlike Ianvs (serial, the first failure
 * aborts the job) a failing case is recorded with its error and the others go on. Each case's output goes to
 * `<case dir>/case.log`; the console gets one line per case start and end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { longestFirst, readCaseDurations, saveCaseDurations } from './durations.js';
import { ianvsTime, type CaseResult, type CaseSpec } from './spec.js';

// Cases always run the built JavaScript (also when the runner itself runs from its TypeScript sources), so a
// module importing '@sedna/lib' (or one of its entry points) shares the one ClassFactory with the runner's code in that process.
const CASE_PROCESS = fileURLToPath(new URL('../../dist/cases/case-process.js', import.meta.url));

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

const running = new Set<ChildProcess>();

/** Ends every case process still running (Ctrl-C). */
export function killRunningCases(): void {
  for (const child of running) child.kill('SIGKILL');
}

export async function runCases(specs: readonly CaseSpec[], options: PoolOptions): Promise<CaseResult[]> {
  if (!existsSync(CASE_PROCESS)) throw new Error(`${CASE_PROCESS} is missing: build the project first (npm run build)`);
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
      const result = await runOne(spec);
      results[k] = result;
      done++;
      options.log(`case ${k + 1}/${specs.length} ${result.ok ? `done in ${result.seconds.toFixed(1)} s: ${summary(result)}` : `FAILED: ${result.error}`}`);
      options.onResult?.(result, done, specs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, specs.length)) }, worker));
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

function runOne(spec: CaseSpec): Promise<CaseResult> {
  mkdirSync(spec.outputDir, { recursive: true });
  const specFile = join(spec.outputDir, 'case.json');
  const resultFile = join(spec.outputDir, 'result.json');
  writeFileSync(specFile, JSON.stringify(spec, null, 1));
  const logFile = createWriteStream(join(spec.outputDir, 'case.log'));
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CASE_PROCESS, specFile, resultFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BENCHMARK_CASE_ID: spec.id } });
    running.add(child);
    let stderrTail = '';
    child.stdout.pipe(logFile, { end: false });
    child.stderr.on('data', (c: Buffer) => {
      logFile.write(c);
      stderrTail = (stderrTail + c.toString()).slice(-2000);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      logFile.end();
      if (existsSync(resultFile)) {
        try {
          resolvePromise(JSON.parse(readFileSync(resultFile, 'utf8')) as CaseResult);
          return;
        } catch {
          // fall through: an unreadable result is a failed case
        }
      }
      const why = signal ? `killed by ${signal}` : `exited with ${code}`;
      resolvePromise({ id: spec.id, ok: false, metrics: {}, error: `the case process ${why}: ${stderrTail.trim().split('\n').pop() ?? ''}`, time: ianvsTime(), seconds: (Date.now() - started) / 1000 });
    });
  });
}
