/**
 * `npm run bench -- benchmarking`: the Ianvs-compatible runner (packages/benchmarking) on Fashion-MNIST.
 *
 * - download_mb_per_s: Debian's Fashion-MNIST IDX files as a tar.gz (about 30 MB) fetched from a loopback HTTP
 *   server into an empty cache (prepare_s adds the extraction and the 70,000 images and index files written);
 * - cache_hit_s: the same dataset prepared again (the marker says it is there: nothing fetched or extracted);
 * - serial_s, parallel_s, speedup: the incremental learning example's grid (4 test cases) with --parallel 1,
 *   then --parallel 2, each from a fresh workspace, on that dataset;
 * - simulation_startup_s: the simulated control plane with 1 cloud and 3 edge nodes, from the start until every
 *   node is Ready.
 *
 * Targets: speedup >= 1.6 on 2 cores, cache_hit_s < 1, simulation_startup_s < 10. Progress goes to stderr; the
 * last line on stdout is one JSON object.
 *   npm run bench -- benchmarking [--train 60000] [--test 10000] [--keep]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBenchmarkingJob } from '../../packages/benchmarking/src/job.js';
import { prepareDataset, type PrepareStats } from '../../packages/benchmarking/src/dataset/prepare.js';
import { startSimulation } from '../../packages/benchmarking/src/simulation/cluster.js';
import { fashionSliceTarGz, serveFiles } from '../../packages/benchmarking/test/fixtures.js';
import { writeJobFiles } from '../../examples/benchmarking/job-files.js';

const { values } = parseArgs({ options: { train: { type: 'string', default: '60000' }, test: { type: 'string', default: '10000' }, keep: { type: 'boolean', default: false } } });
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const dir = mkdtempSync(join(tmpdir(), 'sedna-bench-benchmarking-'));
process.env.SEDNA_BENCHMARK_CACHE = join(dir, 'cache');
const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;

const archive = fashionSliceTarGz(Number(values.train), Number(values.test));
const server = await serveFiles({ '/fashion-mnist.tar.gz': archive });
try {
  const url = `${server.url}/fashion-mnist.tar.gz`;
  const datasetPath = join(dir, 'dataset', 'fashion-mnist');
  const dataset = () => ({
    trainIndex: join(datasetPath, 'train_index.txt'),
    testIndex: join(datasetPath, 'test_index.txt'),
    trainIndexRaw: './train_index.txt',
    testIndexRaw: './test_index.txt',
    label: '',
    download: { url, mirrors: [], path: datasetPath, sha256: undefined, format: undefined },
  });
  log(`dataset: ${(archive.length / 1e6).toFixed(1)} MB from ${url}`);
  const stats: PrepareStats = { cacheHit: false, downloadedBytes: 0, downloadSeconds: 0 };
  let t = performance.now();
  await prepareDataset(dataset(), { log }, stats);
  const prepareS = (performance.now() - t) / 1000;
  const downloadMbPerS = stats.downloadedBytes / 1e6 / stats.downloadSeconds;
  t = performance.now();
  const hit: PrepareStats = { cacheHit: false, downloadedBytes: 0, downloadSeconds: 0 };
  await prepareDataset(dataset(), { log }, hit);
  const cacheHitS = (performance.now() - t) / 1000;
  if (!hit.cacheHit) throw new Error('the second prepare was not a cache hit');

  const grid = async (name: string, parallel: number): Promise<{ seconds: number; cases: number }> => {
    const file = writeJobFiles('incremental_learning', join(dir, name), { datasetUrl: url, datasetPath, workspace: join(dir, name, 'workspace') });
    const started = performance.now();
    const out = await runBenchmarkingJob(file, { parallel, log });
    if (out.failed.length > 0) throw new Error(`${out.failed.length} case(s) failed: ${out.failed[0]?.result.error}`);
    return { seconds: (performance.now() - started) / 1000, cases: out.cases.length };
  };
  const serial = await grid('serial', 1);
  const parallel = await grid('parallel', 2);

  const sim = await startSimulation({ cloudNumber: 1, edgeNumber: 3, clusterName: 'bench', kubeedgeVersion: '', sednaVersion: '', links: [] }, join(dir, 'simulation'), log);
  await sim.stop();

  console.log(
    JSON.stringify({
      cases: serial.cases,
      train_images: Number(values.train),
      test_images: Number(values.test),
      serial_s: round(serial.seconds),
      parallel_s: round(parallel.seconds),
      speedup: round(serial.seconds / parallel.seconds),
      download_mb_per_s: round(downloadMbPerS, 1),
      prepare_s: round(prepareS),
      cache_hit_s: round(cacheHitS, 3),
      simulation_startup_s: round(sim.startupSeconds),
      targets: { speedup: '>= 1.6', cache_hit_s: '< 1', simulation_startup_s: '< 10' },
    }),
  );
} finally {
  await server.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}
