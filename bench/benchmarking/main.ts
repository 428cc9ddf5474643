/**
 * `npm run bench -- benchmarking`: the Ianvs-compatible runner (packages/benchmarking) on Fashion-MNIST.
 *
 * - download_mb_per_s: Debian's Fashion-MNIST IDX files as a tar.gz (about 30 MB) fetched from a loopback HTTP
 *   server into an empty folder; prepare_s: the whole prepare once (download, extraction, the 70,000 images and
 *   index files written);
 *   the grid below runs on the first --train and --test images (a slice served the same way);
 * - cache_hit_s: the same dataset prepared again (the marker says it is there: nothing fetched or extracted);
 * - serial_s, parallel_s, speedup: the incremental learning example's grid (4 test cases) with --parallel 1,
 *   then --parallel 2, each from a fresh workspace, on that dataset (by default the whole of it: 60,000 training
 *   and 10,000 test images); the runner's cache is shared by the runs, as a user's jobs share it: the warm-up runs
 *   fill it with the compiled module files and the cases' durations, by which --parallel 2 starts the longest
 *   cases first;
 * - simulation_startup_s: the simulated control plane with 1 cloud and 3 edge nodes, from the start until every
 *   node is Ready.
 *
 * Download and cache hit are measured --rounds times (each into an empty cache), the grid runs serial and parallel
 * interleaved over --rounds rounds (after a warm-up of each), the simulation starts --sim-rounds times; medians and
 * interquartile ranges. Targets: speedup >= 1.6 on 2 cores, cache_hit_s < 1, simulation_startup_s < 10. Progress
 * goes to stderr; the last line on stdout is one JSON object.
 *   npm run bench -- benchmarking [--train 60000] [--test 10000] [--rounds 5] [--sim-rounds 3] [--keep]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBenchmarkingJob } from '../../packages/benchmarking/src/job.js';
import { fetchToFile } from '../../packages/benchmarking/src/dataset/fetch.js';
import { prepareDataset, type PrepareStats } from '../../packages/benchmarking/src/dataset/prepare.js';
import { startSimulation } from '../../packages/benchmarking/src/simulation/cluster.js';
import { fashionSliceTarGz, serveFiles } from '../../packages/benchmarking/test/fixtures.js';
import { writeJobFiles } from '../../examples/benchmarking/job-files.js';
import { figure, interleave } from '../common/stats.js';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '60000' },
    test: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    'sim-rounds': { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const simRounds = Number(values['sim-rounds']);
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const dir = mkdtempSync(join(tmpdir(), 'sedna-bench-benchmarking-'));
// The runner's cache (compiled module files, the cases' durations) in the run's folder: the warm-up runs fill it, as
// a user's first job does.
process.env.SEDNA_BENCHMARK_CACHE = join(dir, 'runner-cache');

// Download and cache hit: the whole of Debian's Fashion-MNIST; the grid: the --train/--test slice.
const full = fashionSliceTarGz(60000, 10000);
const archive = fashionSliceTarGz(Number(values.train), Number(values.test));
const server = await serveFiles({ '/fashion-mnist.tar.gz': full, '/fashion-mnist-slice.tar.gz': archive });
try {
  const fullUrl = `${server.url}/fashion-mnist.tar.gz`;
  const url = `${server.url}/fashion-mnist-slice.tar.gz`;
  const dataset = (path: string, from = fullUrl) => ({
    trainIndex: join(path, 'train_index.txt'),
    testIndex: join(path, 'test_index.txt'),
    trainIndexRaw: './train_index.txt',
    testIndexRaw: './test_index.txt',
    label: '',
    download: { url: from, mirrors: [], path, sha256: undefined, format: undefined },
  });
  log(`dataset: ${(full.length / 1e6).toFixed(1)} MB from ${fullUrl}`);
  // The download alone, each round into an empty cache; then one whole prepare (extraction, 70,000 images and the
  // index files) and the cache hits on it.
  const downloads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const target = join(dir, `download-${r}`, 'archive');
    mkdirSync(join(dir, `download-${r}`), { recursive: true });
    const got = await fetchToFile(fullUrl, target, { log });
    downloads.push(got.bytes / 1e6 / got.seconds);
    rmSync(join(dir, `download-${r}`), { recursive: true, force: true });
  }
  const fullPath = join(dir, 'dataset-full', 'fashion-mnist');
  let t = performance.now();
  await prepareDataset(dataset(fullPath), { log, cacheDir: join(dir, 'cache-full') });
  const prepareS = (performance.now() - t) / 1000;
  const hits: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const hit: PrepareStats = { cacheHit: false, downloadedBytes: 0, downloadSeconds: 0 };
    t = performance.now();
    await prepareDataset(dataset(fullPath), { log, cacheDir: join(dir, 'cache-full') }, hit);
    hits.push((performance.now() - t) / 1000);
    if (!hit.cacheHit) throw new Error('preparing the dataset again was not a cache hit');
  }
  rmSync(join(dir, 'dataset-full'), { recursive: true, force: true });
  const datasetPath = join(dir, 'dataset-slice', 'fashion-mnist');
  await prepareDataset(dataset(datasetPath, url), { log, cacheDir: join(dir, 'cache-slice') });

  // The grid: serial and --parallel 2 interleaved round by round, each run in a fresh workspace.
  let runs = 0;
  let cases = 0;
  const grid = async (parallel: number): Promise<number> => {
    const name = `run-${runs++}-p${parallel}`;
    const file = writeJobFiles('incremental_learning', join(dir, name), { datasetUrl: url, datasetPath, workspace: join(dir, name, 'workspace') });
    const started = performance.now();
    const out = await runBenchmarkingJob(file, { parallel, log: () => undefined });
    if (out.failed.length > 0) throw new Error(`${out.failed.length} case(s) failed: ${out.failed[0]?.result.error}`);
    cases = out.cases.length;
    rmSync(join(dir, name), { recursive: true, force: true });
    return (performance.now() - started) / 1000;
  };
  const timed = await interleave(rounds, () => grid(1), () => grid(2), (r, a, b) => log(`round ${r}: serial ${a.toFixed(1)} s, --parallel 2 ${b.toFixed(1)} s`));

  const startups: number[] = [];
  for (let r = 0; r < simRounds; r++) {
    const sim = await startSimulation({ cloudNumber: 1, edgeNumber: 3, clusterName: 'bench', kubeedgeVersion: '', sednaVersion: '', links: [] }, join(dir, 'simulation'), log);
    startups.push(sim.startupSeconds);
    await sim.stop();
  }

  console.log(
    JSON.stringify({
      cases,
      rounds,
      train_images: Number(values.train),
      test_images: Number(values.test),
      ...figure('serial_s', timed.a, 2),
      ...figure('parallel_s', timed.b, 2),
      ...figure('speedup', timed.ratio, 2),
      ...figure('download_mb_per_s', downloads, 1),
      prepare_s: Math.round(prepareS * 100) / 100,
      ...figure('cache_hit_s', hits, 4),
      ...figure('simulation_startup_s', startups, 2),
      simulation_rounds: simRounds,
    }),
  );
} finally {
  await server.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}
