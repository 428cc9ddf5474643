/**
 * `sedna benchmark -f benchmarkingjob.yaml [--parallel N]` (and `sedna-benchmark`, for npx): runs the job and
 * exits 0 when every test case passed, 1 when the job could not run or a case failed.
 */
import { runBenchmarkingJob } from './job.js';

export interface BenchmarkCommandOptions {
  file: string;
  parallel: string;
}

export async function benchmarkCommand(options: BenchmarkCommandOptions): Promise<number> {
  const parallel = Number(options.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--parallel must be a positive integer, got ${options.parallel}`);
  const outcome = await runBenchmarkingJob(options.file, { parallel });
  return outcome.failed.length === 0 ? 0 : 1;
}
