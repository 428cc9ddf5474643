/**
 * `npm run bench -- federated_learning`: federated learning with the lib's AggregationServer and FederatedLearning
 * workers on Fashion-MNIST (the example's 784-128-10 network, Adam, batch 32, one local epoch per round). Progress
 * goes to stderr; the last stdout line is one JSON object:
 *
 * - fl_acc: test accuracy of the global model after 10 rounds of FedAvg, three workers with iid shares of the 60,000
 *   training images, each worker in its own process (as on its own node); central_acc: the same model trained on
 *   all 60,000 images in one process for the same total epochs (10), the baseline of the same run; gap_points is
 *   central − federated in percentage points (target: <= 2).
 * - fl_acc_noniid: the same with Dirichlet(0.5) shares (each worker sees a skewed class mix, see the example).
 * - overhead_pct: aggregation and transfer as a share of round time in the iid run: for rounds 2-10,
 *   (round time − the slowest worker's local training − the aggregator's test evaluation) / (round time − the
 *   evaluation), averaged. Everything outside local training counts: encoding, the websocket transfer both ways,
 *   decoding, the checks, aggregation, the checkpoint, setting the weights (target < 5).
 * - clients_simulated: workers in one process through the real aggregation server over loopback websockets (100,
 *   each with 600 images, contiguous blocks of the shuffled training set), with rounds_per_s (rounds after all joined / their time), rss_mb (peak resident
 *   memory of the process during the simulation; rss_mb_before_sim is before the workers were created) and
 *   sim_overhead_pct (1 − time spent in local training / round time: in one process the trainings take turns).
 * - bytes_per_round: bytes of updates received plus global models sent per round (three workers), uncompressed;
 *   bytes_per_round_compressed with Int8Linear updates (differences to the global model) and a Float16 global
 *   model, with fl_acc_compressed its accuracy after 10 iid rounds; bytes_per_round_topk with TopK(5 %) updates
 *   (2 rounds; fl_acc_topk_round2 against fl_acc_per_round[1]: TopK without error feedback loses accuracy).
 *
 * - overhead_pct_median/_iqr: the overhead of the iid run over --seeds (0,1,2: model, shares and shuffling);
 *   overhead_10m_pct_median/_iqr: the same with a 10 M-parameter model (784-12580-10), --big-rounds rounds (3; the
 *   first, with the workers' start, not counted) of --big-images local images per worker (1000), no evaluation.
 *
 * Options: --rounds N (default 10), --seeds 0,1,2, --big-rounds 3, --big-images 1000, --quick (3 rounds, fewer
 * simulated workers, one seed: a smoke run).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AggregationServer, FederatedLearning, silentLog, type FederatedTrainResult, type RoundRecord } from '@sedna/lib/federated-learning';
import type { WeightTensor } from '@sedna/lib/common';
import type { FashionMnistSlice } from '@sedna/lib/datasources';
import { figure } from '../common/stats.js';
import { BATCH_SIZE, BIG_HIDDEN, createModel, loadTest, loadTrain, type SplitKind } from './shared.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : quick ? 3 : 10;
const EPOCHS = 1;
const WORKERS = 3;
const SIMULATED = quick ? 20 : 100;
const SIMULATED_ROUNDS = quick ? 2 : 3;
const argOf = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] as string) : fallback;
};
/** Seeds of the overhead runs; the first is the iid run's (0: the example's fixed model). */
const SEEDS = argOf('seeds', quick ? '0' : '0,1,2').split(',').map(Number);
const BIG_ROUNDS = Number(argOf('big-rounds', quick ? '2' : '3'));
const BIG_IMAGES = Number(argOf('big-images', '1000'));

const log = (message: string): void => {
  process.stderr.write(`[bench federated_learning] ${message}\n`);
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
const round2 = (value: number): number => Math.round(value * 100) / 100;
const round4 = (value: number): number => Math.round(value * 10000) / 10000;

function rssMb(): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
}

/** An evaluation of the global model on the test set that records how long it took. */
function timedEvaluation(test: FashionMnistSlice): { evaluate: (weights: readonly WeightTensor[]) => Promise<{ accuracy: number; loss: number }>; ms: number[] } {
  const evaluator = createModel(0);
  const ms: number[] = [];
  return {
    ms,
    evaluate: async (weights) => {
      const started = performance.now();
      evaluator.setWeights(weights);
      const metrics = await evaluator.evaluate(test.x, test.y);
      ms.push(performance.now() - started);
      return { accuracy: metrics['accuracy']!, loss: metrics['loss']! };
    },
  };
}

async function central(train: FashionMnistSlice, test: FashionMnistSlice): Promise<number> {
  const model = createModel();
  let accuracy = 0;
  const started = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    await model.train(train.x, train.y, { epochs: EPOCHS, batchSize: BATCH_SIZE, seed: round });
    accuracy = (await model.evaluate(test.x, test.y))['accuracy']!;
    log(`central: epoch ${round * EPOCHS}: test accuracy ${(accuracy * 100).toFixed(2)} %`);
  }
  log(`central: ${ROUNDS * EPOCHS} epochs of 60,000 images in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return accuracy;
}

interface ChildReport {
  name: string;
  samples: number;
  timings: FederatedTrainResult['timings'];
}

function runChild(args: string[], env: Record<string, string> = {}): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(HERE, 'client-process.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`worker ${args[1]} exited with ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildReport);
    });
  });
}

interface FederatedFigures {
  accuracy: number;
  history: readonly RoundRecord[];
  overheadPct: number;
  bytesPerRound: number;
  roundMs: number;
}

/** One federated run: the aggregator here, each worker in its own process. */
async function federated(label: string, test: FashionMnistSlice, options: { split: SplitKind; rounds: number; compression?: string; broadcastCompression?: string; seed?: number; hidden?: number; images?: number; evaluate?: boolean }): Promise<FederatedFigures> {
  const evaluation = timedEvaluation(test);
  const seed = options.seed ?? 0;
  const hidden = options.hidden ?? 128;
  const server = new AggregationServer({
    aggregation: 'FedAvg',
    participantsCount: WORKERS,
    exitRound: options.rounds,
    host: '127.0.0.1',
    port: 0,
    estimator: createModel(seed === 0 ? undefined : seed, hidden),
    // The 10 M-parameter runs measure the overhead only: no test evaluation (it would dwarf the round).
    ...(options.evaluate === false ? {} : { evaluate: evaluation.evaluate }),
    log: (line) => {
      if (/^round \d+\//.test(line)) log(`${label}: ${line}`);
    },
    ...(options.broadcastCompression ? { broadcastCompression: options.broadcastCompression } : {}),
  });
  const { port } = await server.start();
  const url = `ws://127.0.0.1:${port}/FedAvg`;
  try {
    const children = await Promise.all(
      Array.from({ length: WORKERS }, (_, k) => runChild([url, `edge-${k + 1}`, options.split, String(WORKERS), String(k), String(EPOCHS), ...(options.compression ? [options.compression] : [])], { BENCH_FL_SEED: String(seed), BENCH_FL_HIDDEN: String(hidden), BENCH_FL_IMAGES: String(options.images ?? 0) })),
    );
    const outcome = await server.done;
    const history = outcome.history;
    // Rounds 2.. (round 1 also holds the workers' start-up): the share of the round not spent training locally.
    const overheads = history.slice(1).map((record, index) => {
      const round = record.round;
      const slowest = Math.max(...children.map((child) => child.timings.find((timing) => timing.round === round)?.trainMs ?? 0));
      const evaluationMs = evaluation.ms[index + 1] ?? 0;
      const roundMs = record.durationMs - evaluationMs;
      return (roundMs - slowest) / roundMs;
    });
    return {
      accuracy: history.at(-1)!.accuracy ?? Number.NaN,
      history,
      overheadPct: overheads.length > 0 ? mean(overheads) * 100 : Number.NaN,
      bytesPerRound: mean(history.map((record) => record.bytesReceived + record.bytesSent)),
      roundMs: median(history.slice(1).map((record, index) => record.durationMs - (evaluation.ms[index + 1] ?? 0))),
    };
  } finally {
    await server.stop();
  }
}

/**
 * Time covered by at least one of the intervals. In one process the workers' trainings run one after another,
 * but an estimator yields to the event loop during long ones, so they can overlap: summing them would count the
 * overlap twice.
 */
function coveredMs(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [start, stop] of sorted) {
    if (stop <= end) continue;
    covered += stop - Math.max(start, end);
    end = stop;
  }
  return covered;
}

/** Many workers in this process, through the real aggregation server over loopback websockets. */
async function simulate(train: FashionMnistSlice, test: FashionMnistSlice): Promise<{ roundsPerS: number; rssMb: number; rssBeforeMb: number; overheadPct: number; accuracy: number }> {
  const rssBefore = rssMb();
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 100);
  const evaluation = timedEvaluation(test);
  const server = new AggregationServer({
    aggregation: 'FedAvg',
    participantsCount: SIMULATED,
    exitRound: SIMULATED_ROUNDS,
    host: '127.0.0.1',
    port: 0,
    estimator: createModel(),
    evaluate: evaluation.evaluate,
    log: silentLog,
  });
  try {
    const { port } = await server.start();
    const url = `ws://127.0.0.1:${port}/FedAvg`;
    // Contiguous blocks of the training set (its order is already shuffled): views, so the simulation's memory is
    // the workers', not copies of the images.
    const per = Math.floor(train.y.length / SIMULATED);
    const workers = Array.from({ length: SIMULATED }, (_, k) => ({
      shard: { x: { data: train.x.data.subarray(k * per * 784, (k + 1) * per * 784), shape: [per, 784] }, y: train.y.subarray(k * per, (k + 1) * per) },
      client: new FederatedLearning({ estimator: createModel(100 + k), env: {}, aggregatorUrl: url, workerName: `sim-${k}`, epochs: EPOCHS, batchSize: BATCH_SIZE, trainOptions: { seed: k }, reporter: false, log: silentLog }),
    }));
    log(`simulation: ${SIMULATED} workers with ${workers[0]!.shard.y.length} images each, ${SIMULATED_ROUNDS} rounds`);
    const results = await Promise.all(workers.map((worker) => worker.client.train(worker.shard)));
    const outcome = await server.done;
    peak = Math.max(peak, rssMb());
    // Round 1 also holds the workers' joining; rounds after it measure the steady state.
    const steady = outcome.history.slice(1);
    const steadyMs = steady.reduce((sum, record, index) => sum + record.durationMs - (evaluation.ms[index + 1] ?? 0), 0);
    const overheads = steady.map((record, index) => {
      const intervals = results.flatMap((result) => result.timings.filter((timing) => timing.round === record.round).map((timing) => [timing.trainStart, timing.trainStart + timing.trainMs] as const));
      const roundMs = record.durationMs - (evaluation.ms[index + 1] ?? 0);
      return (roundMs - coveredMs(intervals)) / roundMs;
    });
    for (const record of outcome.history) log(`simulation: round ${record.round}: ${record.accepted.length} updates, ${(record.durationMs / 1000).toFixed(2)} s, test accuracy ${((record.accuracy ?? 0) * 100).toFixed(2)} %`);
    return { roundsPerS: steady.length / (steadyMs / 1000), rssMb: peak, rssBeforeMb: rssBefore, overheadPct: mean(overheads) * 100, accuracy: outcome.history.at(-1)!.accuracy! };
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}

const started = performance.now();
const train = await loadTrain();
const test = await loadTest();
log(`Fashion-MNIST: ${train.y.length} training and ${test.y.length} test images; ${ROUNDS} rounds of ${EPOCHS} local epoch(s)`);

const centralAcc = await central(train, test);
const iid = await federated('iid', test, { split: 'iid', rounds: ROUNDS });
// The overhead over more seeds (model, shares, shuffling), and with a 10 M-parameter model: its local training on
// --big-images images per worker (the whole share would take minutes a round on this machine), no evaluation.
const overheadSeeds = [iid.overheadPct];
for (const seed of SEEDS.slice(1)) overheadSeeds.push((await federated(`iid seed ${seed}`, test, { split: 'iid', rounds: ROUNDS, seed })).overheadPct);
const bigOverheads: number[] = [];
const bigRoundMs: number[] = [];
const bigBytes: number[] = [];
for (const seed of SEEDS) {
  const big = await federated(`10M seed ${seed}`, test, { split: 'iid', rounds: BIG_ROUNDS, seed, hidden: BIG_HIDDEN, images: BIG_IMAGES, evaluate: false });
  bigOverheads.push(big.overheadPct);
  bigRoundMs.push(big.roundMs);
  bigBytes.push(big.bytesPerRound);
  log(`10M-parameter model, seed ${seed}: overhead ${big.overheadPct.toFixed(1)} % of a round of ${(big.roundMs / 1000).toFixed(1)} s`);
}
const noniid = await federated('non-iid', test, { split: 'dirichlet', rounds: ROUNDS });
const compressed = await federated('compressed', test, { split: 'iid', rounds: ROUNDS, compression: 'Int8Linear', broadcastCompression: 'Float16' });
const topk = await federated('topk', test, { split: 'iid', rounds: 2, compression: '{"method":"TopK","param":{"ratio":"0.05"}}' });
const simulation = await simulate(train, test);

const result = {
  fl_acc: round4(iid.accuracy),
  central_acc: round4(centralAcc),
  gap_points: round2((centralAcc - iid.accuracy) * 100),
  fl_acc_noniid: round4(noniid.accuracy),
  fl_acc_per_round: iid.history.map((record) => round4(record.accuracy!)),
  fl_acc_noniid_per_round: noniid.history.map((record) => round4(record.accuracy!)),
  overhead_pct: round2(iid.overheadPct),
  ...figure('overhead_pct', overheadSeeds, 2),
  overhead_seeds: SEEDS,
  ...figure('overhead_10m_pct', bigOverheads, 2),
  ...figure('round_10m_ms', bigRoundMs, 0),
  bytes_per_round_10m: Math.round(mean(bigBytes)),
  big_model: { parameters: 784 * BIG_HIDDEN + BIG_HIDDEN + BIG_HIDDEN * 10 + 10, hidden: BIG_HIDDEN, rounds: BIG_ROUNDS, local_images_per_worker: BIG_IMAGES },
  overhead_pct_noniid: round2(noniid.overheadPct),
  round_ms: Math.round(iid.roundMs),
  aggregation_ms: round2(median(iid.history.map((record) => record.aggregationMs))),
  clients_simulated: SIMULATED,
  rounds_per_s: round2(simulation.roundsPerS),
  rss_mb: Math.round(simulation.rssMb),
  rss_mb_before_sim: Math.round(simulation.rssBeforeMb),
  sim_overhead_pct: round2(simulation.overheadPct),
  sim_acc: round4(simulation.accuracy),
  bytes_per_round: Math.round(iid.bytesPerRound),
  bytes_per_round_compressed: Math.round(compressed.bytesPerRound),
  compressed_ratio: round4(compressed.bytesPerRound / iid.bytesPerRound),
  fl_acc_compressed: round4(compressed.accuracy),
  bytes_per_round_topk: Math.round(topk.bytesPerRound),
  fl_acc_topk_round2: round4(topk.accuracy),
  workers: WORKERS,
  rounds: ROUNDS,
  local_epochs: EPOCHS,
  total_s: round2((performance.now() - started) / 1000),
  targets: { gap_points: '<= 2', overhead_pct: '< 5', overhead_10m_pct: '< 5', clients_simulated: 100 },
};
console.log(JSON.stringify(result));
process.exit(0);
