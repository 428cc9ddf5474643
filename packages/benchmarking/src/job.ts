/**
 * A benchmarking job from start to end: read the three kinds of YAML, prepare the dataset (download when
 * dataset_url is set), start the simulated edge-cloud system when asked, run every test case (the hyperparameter
 * grid of every algorithm) up to `parallel` at a time, then write the ranks, plots and report and print the
 * selected rank.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAlgorithm, type AlgorithmConfig } from './config/algorithm.js';
import { loadBenchmarkingJob, type BenchmarkingJobConfig } from './config/benchmarkingjob.js';
import { loadTestEnv, type TestEnvConfig } from './config/testenv.js';
import { expandGrid } from './cases/grid.js';
import { compileModuleFiles } from './cases/compile-modules.js';
import { caseDurationsFile } from './cases/durations.js';
import { killRunningCases, runCases } from './cases/pool.js';
import type { CaseResult, CaseSpec } from './cases/spec.js';
import { cacheRoot, prepareDataset } from './dataset/prepare.js';
import { formatTable } from './rank/print-table.js';
import { saveRank, type RankFiles, type RankedCase } from './rank/rank.js';
import { writeReport } from './report/report.js';
import { startSimulation } from './simulation/cluster.js';

export interface RunOptions {
  parallel?: number;
  log?: (line: string) => void;
}

export interface JobOutcome {
  job: BenchmarkingJobConfig;
  cases: RankedCase[];
  failed: RankedCase[];
  rank: RankFiles | undefined;
  report: string | undefined;
  simulationStartupSeconds?: number;
}

export interface PreparedJob {
  job: BenchmarkingJobConfig;
  testenv: TestEnvConfig;
  algorithms: AlgorithmConfig[];
  specs: CaseSpec[];
}

/** Reads and checks every file, and expands the test cases, without running anything. */
export function planJob(file: string): PreparedJob {
  const job = loadBenchmarkingJob(file);
  const testenv = loadTestEnv(job.testenv, join(job.outputDir, '..'));
  const algorithms = job.algorithms.map((a) => loadAlgorithm(a.url, a.name));
  const specs = algorithms.flatMap((algorithm) =>
    expandGrid(algorithm).map((modules): CaseSpec => {
      const id = randomUUID();
      return { id, algorithm, modules, testenv, outputDir: join(job.outputDir, algorithm.name, id) };
    }),
  );
  return { job, testenv, algorithms, specs };
}

export async function runBenchmarkingJob(file: string, options: RunOptions = {}): Promise<JobOutcome> {
  const log = options.log ?? ((line: string) => console.log(line));
  const plan = planJob(file);
  const { job, testenv } = plan;
  for (const w of testenv.warnings) log(`warning: ${w}`);
  mkdirSync(job.outputDir, { recursive: true });
  log(`benchmarking job "${job.name}": ${plan.specs.length} test case(s) from ${job.algorithms.length} algorithm(s), output in ${job.outputDir}`);
  const dataset = await prepareDataset(testenv.dataset, { log });
  const compiledModules = await compileModuleFiles(plan.specs, join(cacheRoot(), 'modules'), log);
  const specs = plan.specs.map((s) => ({ ...s, testenv: { ...s.testenv, dataset }, compiledModules }));

  let stopSimulation: (() => Promise<void>) | undefined;
  let simulationStartupSeconds: number | undefined;
  const onSignal = (): void => {
    log('interrupted: stopping the test cases and the simulation');
    killRunningCases();
    void (stopSimulation?.() ?? Promise.resolve()).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (job.simulation) {
      const simulation = await startSimulation(job.simulation, join(job.outputDir, 'simulation'), log, { onStarting: (stop) => (stopSimulation = stop) });
      simulationStartupSeconds = simulation.startupSeconds;
      for (const s of specs) s.simulation = simulation.target;
    }
    const results = await runCases(specs, { parallel: options.parallel ?? 1, log, durationsFile: caseDurationsFile(cacheRoot()) });
    const all: RankedCase[] = specs.map((spec, k) => ({ spec, result: results[k] as CaseResult }));
    const passed = all.filter((c) => c.result.ok);
    const failed = all.filter((c) => !c.result.ok);
    writeFailures(job.outputDir, failed);
    let rank: RankFiles | undefined;
    let report: string | undefined;
    if (passed.length > 0) {
      rank = saveRank(job.outputDir, passed, job.rank);
      log(`rank: ${rank.allRank}${job.rank.saveMode === 'selected_only' ? ' (not written: save_mode selected_only)' : ''}, ${rank.selectedRank}`);
      if (job.rank.visualization.mode === 'selected_only') log(formatTable(rank.selected));
      report = await writeReport(job, rank, passed, failed, job.rank.saveMode === 'selected_and_all_and_picture');
      log(`report: ${report}`);
    }
    if (failed.length > 0) log(`${failed.length} of ${all.length} test case(s) failed; see ${join(job.outputDir, 'rank', 'failed_cases.csv')}`);
    return { job, cases: all, failed, rank, report, ...(simulationStartupSeconds !== undefined ? { simulationStartupSeconds } : {}) };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopSimulation?.();
  }
}

/** `rank/failed_cases.csv`: this run's failed cases with their errors (removed when a run has none). */
function writeFailures(jobDir: string, failed: readonly RankedCase[]): void {
  const dir = join(jobDir, 'rank');
  if (failed.length === 0) {
    rmSync(join(dir, 'failed_cases.csv'), { force: true });
    return;
  }
  mkdirSync(dir, { recursive: true });
  const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const lines = ['algorithm,hyperparameters,error,time,url'];
  for (const c of failed) {
    const hps = c.spec.modules.flatMap((m) => Object.entries(m.hyperparameters).map(([k, v]) => `${m.type}-${k}=${JSON.stringify(v)}`)).join(' ');
    lines.push([c.spec.algorithm.name, hps, c.result.error ?? '', c.result.time, c.spec.outputDir].map(quote).join(','));
  }
  writeFileSync(join(dir, 'failed_cases.csv'), lines.join('\n') + '\n');
}
