/**
 * Training throughput of the lib's estimators on Fashion-MNIST against PyTorch, both on one thread, interleaved:
 * each round trains a fresh model for one epoch on our side and on PyTorch's (the order alternates every round),
 * after a warm-up of each; the figures are medians and interquartile ranges over the rounds, and each ratio is taken
 * per round.
 *  - train_samples_per_s: MLP 784-256-128-10 (ReLU, logits + softmax cross-entropy, Adam 1e-3, batch 64), one
 *    shuffled epoch on the 60,000 training images, with the mlp estimator (WebAssembly SIMD kernels);
 *  - torch_train_samples_per_s: the same model and loop in PyTorch (Debian's python3-torch on OpenBLAS; refused on
 *    the reference BLAS), torch.set_num_threads(1) and the BLAS/OMP thread variables at 1, glibc's malloc told to
 *    keep freed memory (bench/common/python-peer.ts: otherwise every step faults its tensors in again);
 *    torch_*_minor_faults: the peer's page faults per epoch, to show it;
 *  - train_ratio_vs_torch: ours over PyTorch's, per round; *_ratio_vs_torch_cpu_time: the same with each side's
 *    samples per second of its own process's CPU time, which other work on the machine moves less;
 *  - cnn_*: conv 3x3x16, maxpool 2, conv 3x3x32, maxpool 2, dense 128, dense 10, one epoch on 6,000 images,
 *    against the same CNN in PyTorch, with the lib's fastest estimator for it (`cnn_estimator`): the mlp estimator
 *    (its own WebAssembly SIMD kernels: conv as im2col + GEMM); cnn_tfjs_*: the tfjs estimator (wasm backend with
 *    the lib's gradient kernels) on the same epoch, not interleaved, to show which is faster;
 *  - *_gflops_per_s: samples/s x FLOPs per sample (*_flops_per_sample), FLOPs counted as in ./flops.ts: Σ over
 *    dense and conv2d layers of 2·MACs x 3 (forward, weight-gradient and input-gradient GEMMs; x 2 for the first
 *    layer, which needs no input gradient), MACs = in·out or OH·OW·KH·KW·C·filters;
 *  - wasm_gemm_peak_gflops: the lib's GEMM kernel alone on a product that stays in cache (timed in CPU time), the
 *    ceiling of our side: WebAssembly SIMD is 128-bit and has no fused multiply-add on Node 20 (a multiply and an
 *    add instruction per 4 multiply-adds), while PyTorch's dense layers run on OpenBLAS and its convolutions on
 *    oneDNN, both with AVX2 (or AVX-512) and FMA.
 * Throughput = samples / wall time of the epoch (shuffle included), as in the project's ML baselines.
 * Run alone: `npx tsx bench/lib/train.ts [--rounds N]`.
 */
import { pathToFileURL } from 'node:url';
import { MlpEstimator } from '@sedna/lib/estimators/mlp';
import type { ModelSpec } from '@sedna/lib/model-spec';
import { readFashionMnist } from '@sedna/lib/datasources';
import { TfjsEstimator } from '@sedna/lib/estimators/tfjs';
import { PYTHON, PythonPeer, requireOpenBlas } from '../common/python-peer.js';
import { figure, interleave, median, round } from '../common/stats.js';
import { trainingFlopsPerSample, wasmGemmPeakGflops } from './flops.js';

const CNN_SAMPLES = 6000;
const THREADS = 1;
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : 5;

const log = (msg: string): void => {
  process.stderr.write(`[bench lib/train] ${msg}\n`);
};

export const MLP_SPEC: ModelSpec = {
  inputShape: [784],
  layers: [
    { type: 'dense', units: 256, activation: 'relu' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10 },
  ],
};

export const CNN_SPEC: ModelSpec = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10 },
  ],
};

/** The PyTorch side: same data files, same models, same loop; one fresh model and one epoch per command. */
const TORCH_SCRIPT = String.raw`
import gzip, resource, sys, time
import numpy as np, torch, torch.nn as nn
torch.set_num_threads(int(sys.argv[1]))
D = '/usr/share/datasets/fashion-mnist/'
def idx(name):
    b = gzip.open(D + name).read(); nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], 'big') for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)
x = torch.from_numpy(idx('train-images-idx3-ubyte.gz').reshape(-1, 784).astype(np.float32) / 255)
y = torch.from_numpy(idx('train-labels-idx1-ubyte.gz').astype(np.int64))
n_cnn = int(sys.argv[2])
def epoch(m, x, y):
    opt = torch.optim.Adam(m.parameters(), lr=1e-3); lossf = nn.CrossEntropyLoss(); n = x.shape[0]
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0 = time.perf_counter(); c0 = time.process_time(); perm = torch.randperm(n)
    for i in range(0, n, 64):
        idx_ = perm[i:i + 64]; opt.zero_grad(); loss = lossf(m(x[idx_]), y[idx_]); loss.backward(); opt.step()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return n / wall, n / cpu, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
def handle(cmd):
    torch.manual_seed(1)
    if cmd == 'mlp':
        m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        sps, cpu_sps, faults = epoch(m, x, y)
    else:
        m = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10))
        sps, cpu_sps, faults = epoch(m, x[:n_cnn].view(-1, 1, 28, 28), y[:n_cnn])
    return {'samples_per_s': sps, 'cpu_samples_per_s': cpu_sps, 'minor_faults': faults, 'threads': torch.get_num_threads(), 'torch': torch.__version__}
`;

export async function measure(): Promise<Record<string, number | string>> {
  requireOpenBlas();
  log('reading Fashion-MNIST (train 60,000, t10k 10,000)');
  const train = await readFashionMnist('train');
  const test = await readFashionMnist('t10k');
  log(`starting the PyTorch baseline (${PYTHON}, ${THREADS} thread)`);
  const torch = await PythonPeer.start(TORCH_SCRIPT, { args: [String(THREADS), String(CNN_SAMPLES)], threads: THREADS });
  let torchThreads = 0;
  const torchFaults: Record<'mlp' | 'cnn', number[]> = { mlp: [], cnn: [] };
  // samples per second of CPU time, each side's own process, warm-up first: less moved by other work than wall time
  const cpuRate: Record<'mlp' | 'cnn', { ours: number[]; torch: number[] }> = { mlp: { ours: [], torch: [] }, cnn: { ours: [], torch: [] } };
  const torchEpoch = async (model: 'mlp' | 'cnn'): Promise<number> => {
    const r = await torch.ask<{ samples_per_s: number; cpu_samples_per_s: number; minor_faults: number; threads: number }>(model);
    torchThreads = r.threads;
    torchFaults[model].push(r.minor_faults);
    cpuRate[model].torch.push(r.cpu_samples_per_s);
    return r.samples_per_s;
  };
  const cpuSeconds = (since: NodeJS.CpuUsage): number => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1e6;
  };
  try {
    let mlpAccuracy = 0;
    const ourMlpEpoch = async (): Promise<number> => {
      const mlp = new MlpEstimator({ spec: MLP_SPEC, seed: 1 });
      const cpu = process.cpuUsage();
      const run = await mlp.train({ data: train.x, shape: [train.n, 784] }, train.y, { epochs: 1, batchSize: 64, learningRate: 1e-3, optimizer: 'adam', seed: 1 });
      cpuRate.mlp.ours.push(train.n / cpuSeconds(cpu));
      mlpAccuracy = (await mlp.evaluate({ data: test.x, shape: [test.n, 784] }, test.y))['accuracy'] as number;
      return run['samplesPerSecond'] as number;
    };
    log(`MLP 784-256-128-10, 1 epoch of 60,000, batch 64, Adam 1e-3: ${ROUNDS} interleaved rounds`);
    const mlp = await interleave(ROUNDS, ourMlpEpoch, () => torchEpoch('mlp'), (r, a, b) => log(`mlp round ${r}: ours ${a.toFixed(0)}, torch ${b.toFixed(0)} samples/s`));

    const cnnData = { data: train.x.subarray(0, CNN_SAMPLES * 784), shape: [CNN_SAMPLES, 28, 28, 1] };
    const cnnLabels = train.y.subarray(0, CNN_SAMPLES);
    const cnnOptions = { epochs: 1, batchSize: 64, learningRate: 1e-3, optimizer: 'adam' as const, seed: 1 };
    let cnnAccuracy = 0;
    const ourCnnEpoch = async (): Promise<number> => {
      const cnn = new MlpEstimator({ spec: CNN_SPEC, seed: 1 });
      const cpu = process.cpuUsage();
      const run = await cnn.train(cnnData, cnnLabels, cnnOptions);
      cpuRate.cnn.ours.push(CNN_SAMPLES / cpuSeconds(cpu));
      cnnAccuracy = (await cnn.evaluate({ data: test.x, shape: [test.n, 28, 28, 1] }, test.y))['accuracy'] as number;
      return run['samplesPerSecond'] as number;
    };
    log(`CNN, mlp estimator, 1 epoch of ${CNN_SAMPLES}: ${ROUNDS} interleaved rounds`);
    const cnn = await interleave(ROUNDS, ourCnnEpoch, () => torchEpoch('cnn'), (r, a, b) => log(`cnn round ${r}: ours ${a.toFixed(0)}, torch ${b.toFixed(0)} samples/s`));

    let tfjsEngine = '';
    const tfjsCnn: number[] = [];
    log(`CNN, tfjs estimator, 1 epoch of ${CNN_SAMPLES}: warm-up + ${ROUNDS} rounds (for comparison, not interleaved)`);
    for (let r = 0; r <= ROUNDS; r++) {
      const model = await TfjsEstimator.create({ spec: CNN_SPEC, seed: 1 });
      tfjsEngine = model.trainingEngine();
      const run = await model.train(cnnData, cnnLabels, cnnOptions);
      model.dispose();
      if (r > 0) tfjsCnn.push(run['samplesPerSecond'] as number);
      log(`tfjs cnn ${r === 0 ? 'warm-up' : `round ${r}`}: ${(run['samplesPerSecond'] as number).toFixed(0)} samples/s (${tfjsEngine})`);
    }
    if (median(tfjsCnn) > median(cnn.a)) log('note: the tfjs estimator was faster than the mlp estimator on this run');

    const mlpFlops = trainingFlopsPerSample(MLP_SPEC);
    const cnnFlops = trainingFlopsPerSample(CNN_SPEC);
    const cpuRatio = (model: 'mlp' | 'cnn'): number[] => cpuRate[model].ours.slice(1).map((v, i) => v / (cpuRate[model].torch[i + 1] as number));
    const gflops = (samplesPerSecond: readonly number[], flops: number): number[] => samplesPerSecond.map((s) => (s * flops) / 1e9);
    log('the lib GEMM kernel alone (cache-resident 128x256x256)');
    const gemmPeak = wasmGemmPeakGflops();

    return {
      ...figure('train_samples_per_s', mlp.a, 0),
      ...figure('torch_train_samples_per_s', mlp.b, 0),
      ...figure('train_ratio_vs_torch', mlp.ratio),
      ...figure('train_ratio_vs_torch_cpu_time', cpuRatio('mlp')),
      mlp_test_accuracy_1_epoch: round(mlpAccuracy, 4),
      mlp_flops_per_sample: mlpFlops,
      ...figure('train_gflops_per_s', gflops(mlp.a, mlpFlops), 2),
      ...figure('torch_train_gflops_per_s', gflops(mlp.b, mlpFlops), 2),
      wasm_gemm_peak_gflops: round(gemmPeak, 2),
      cnn_estimator: 'mlp',
      ...figure('cnn_train_samples_per_s', cnn.a, 0),
      ...figure('torch_cnn_train_samples_per_s', cnn.b, 0),
      ...figure('cnn_ratio_vs_torch', cnn.ratio),
      ...figure('cnn_ratio_vs_torch_cpu_time', cpuRatio('cnn')),
      cnn_test_accuracy_1_epoch: round(cnnAccuracy, 4),
      cnn_flops_per_sample: cnnFlops,
      ...figure('cnn_train_gflops_per_s', gflops(cnn.a, cnnFlops), 2),
      ...figure('torch_cnn_train_gflops_per_s', gflops(cnn.b, cnnFlops), 2),
      ...figure('cnn_tfjs_train_samples_per_s', tfjsCnn, 0),
      cnn_tfjs_engine: tfjsEngine,
      // Page faults of PyTorch's process per epoch (warm-up included): near zero shows its malloc keeps memory.
      ...figure('torch_mlp_minor_faults', torchFaults.mlp, 0),
      ...figure('torch_cnn_minor_faults', torchFaults.cnn, 0),
      train_rounds: ROUNDS,
      train_threads_ours: THREADS,
      train_threads_torch: torchThreads,
    };
  } finally {
    await torch.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  measure().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
