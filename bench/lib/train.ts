/**
 * Training throughput of the lib's estimators on Fashion-MNIST, with PyTorch (one thread) measured in the same run
 * as the baseline:
 *  - train_samples_per_s: MLP 784-256-128-10 (ReLU, logits + softmax cross-entropy, Adam 1e-3, batch 64), one
 *    shuffled epoch on the 60,000 training images, with the mlp estimator (WebAssembly SIMD kernels);
 *  - torch_train_samples_per_s: the same model and loop in PyTorch, one thread, Debian's python3-torch;
 *  - train_ratio_vs_torch: the first over the second;
 *  - cnn_train_samples_per_s: conv 3x3x16, maxpool 2, conv 3x3x32, maxpool 2, dense 128, dense 10, the tfjs
 *    estimator (wasm backend with the lib's Conv2DBackpropFilter kernel), one epoch on 6,000 images;
 *    torch_cnn_train_samples_per_s is the same CNN in PyTorch;
 *  - tfjs_mlp_train_samples_per_s: the same MLP with the tfjs estimator (wasm backend, lean loop), on the first
 *    12,800 images, for comparison with the mlp estimator.
 * Throughput = samples / wall time of the first epoch (shuffle and warm-up included), as in
 * shared/reference/ml-baselines.md. Run alone: `npx tsx bench/lib/train.ts`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { MlpEstimator } from '../../packages/lib/src/backend/mlp/estimator.js';
import type { ModelSpec } from '../../packages/lib/src/backend/model-spec.js';
import { readFashionMnist } from '../../packages/lib/src/backend/fashion-mnist-files.js';
import { TfjsEstimator } from '../../packages/lib/src/backend/tfjs/estimator.js';

const PYTHON = '/usr/bin/python3';
const CNN_SAMPLES = 6000;
const TFJS_MLP_SAMPLES = 12_800;

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

/** The PyTorch side: same data files, same models, same loop; prints one JSON line. */
const TORCH_SCRIPT = String.raw`
import gzip, json, sys, time
import numpy as np, torch, torch.nn as nn
torch.set_num_threads(1)
D = '/usr/share/datasets/fashion-mnist/'
def idx(name):
    b = gzip.open(D + name).read(); nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], 'big') for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)
x = torch.from_numpy(idx('train-images-idx3-ubyte.gz').reshape(-1, 784).astype(np.float32) / 255)
y = torch.from_numpy(idx('train-labels-idx1-ubyte.gz').astype(np.int64))
def epoch(m, x, y):
    opt = torch.optim.Adam(m.parameters(), lr=1e-3); lossf = nn.CrossEntropyLoss(); n = x.shape[0]
    t0 = time.perf_counter(); perm = torch.randperm(n)
    for i in range(0, n, 64):
        idx_ = perm[i:i + 64]; opt.zero_grad(); loss = lossf(m(x[idx_]), y[idx_]); loss.backward(); opt.step()
    return n / (time.perf_counter() - t0)
mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
cnn = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10))
n_cnn = int(sys.argv[1])
print(json.dumps({'mlp': epoch(mlp, x, y), 'cnn': epoch(cnn, x[:n_cnn].view(-1, 1, 28, 28), y[:n_cnn]),
                  'threads': torch.get_num_threads(), 'torch': torch.__version__}), flush=True)
`;

function checkBlas(): void {
  const q = spawnSync('update-alternatives', ['--query', 'libblas.so.3-x86_64-linux-gnu'], { encoding: 'utf8' });
  const value = /^Value: (.*)$/m.exec(q.stdout ?? '')?.[1];
  if (value !== undefined && !value.includes('openblas')) {
    log(`warning: the system BLAS is ${value}, not OpenBLAS; PyTorch will be ~5x slower than its realistic baseline. Fix: ` +
      'apt-get install -y libopenblas0-pthread && update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3');
  }
}

/** Runs the PyTorch baseline on one thread; OPENBLAS_CORETYPE/L2_SIZE are unset for this child only. */
async function measureTorch(): Promise<{ mlp: number; cnn: number }> {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import torch (${(probe.stderr ?? '').trim().split('\n').pop() ?? ''}): apt-get install -y python3-torch libopenblas0-pthread`);
  }
  checkBlas();
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  delete env['OPENBLAS_CORETYPE'];
  delete env['OPENBLAS_L2_SIZE'];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', TORCH_SCRIPT, String(CNN_SAMPLES)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`PyTorch baseline exited with ${String(code)}: ${err.trim().slice(-500)}`));
      try {
        const r = JSON.parse(line) as { mlp: number; cnn: number; threads: number; torch: string };
        log(`torch ${r.torch}, ${r.threads} thread(s): MLP ${r.mlp.toFixed(0)} samples/s, CNN ${r.cnn.toFixed(0)} samples/s`);
        resolve(r);
      } catch {
        reject(new Error(`PyTorch baseline printed no JSON: ${line.slice(0, 200)}`));
      }
    });
  });
}

export async function measure(): Promise<Record<string, number>> {
  log('reading Fashion-MNIST (train 60,000, t10k 10,000)');
  const train = await readFashionMnist('train');
  const test = await readFashionMnist('t10k');
  const progress = (name: string) => (p: { batch: number; batches: number; loss: number }) => {
    if (p.batch % 200 === 0 || p.batch === p.batches) log(`${name}: batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(3)}`);
  };

  log('MLP 784-256-128-10, mlp estimator (wasm SIMD), 1 epoch of 60,000, batch 64, Adam 1e-3');
  const mlp = new MlpEstimator({ spec: MLP_SPEC, seed: 1 });
  const mlpRun = await mlp.train({ data: train.x, shape: [train.n, 784] }, train.y, {
    epochs: 1,
    batchSize: 64,
    learningRate: 1e-3,
    optimizer: 'adam',
    seed: 1,
    onBatchEnd: progress('mlp'),
  });
  const mlpTest = await mlp.evaluate({ data: test.x, shape: [test.n, 784] }, test.y);
  log(`mlp: ${(mlpRun['samplesPerSecond'] as number).toFixed(0)} samples/s, test accuracy after 1 epoch ${((mlpTest['accuracy'] as number) * 100).toFixed(2)} %`);

  log(`CNN, tfjs estimator (wasm), 1 epoch of ${CNN_SAMPLES}, batch 64, Adam 1e-3`);
  const cnn = await TfjsEstimator.create({ spec: CNN_SPEC, seed: 1 });
  log(`cnn training engine: ${cnn.trainingEngine()}`);
  const cnnRun = await cnn.train({ data: train.x.subarray(0, CNN_SAMPLES * 784), shape: [CNN_SAMPLES, 28, 28, 1] }, train.y.subarray(0, CNN_SAMPLES), {
    epochs: 1,
    batchSize: 64,
    learningRate: 1e-3,
    optimizer: 'adam',
    seed: 1,
    onBatchEnd: progress('cnn'),
  });
  const cnnTest = await cnn.evaluate({ data: test.x, shape: [test.n, 28, 28, 1] }, test.y);
  cnn.dispose();
  log(`cnn: ${(cnnRun['samplesPerSecond'] as number).toFixed(0)} samples/s, test accuracy ${((cnnTest['accuracy'] as number) * 100).toFixed(2)} %`);

  log('MLP with the tfjs estimator (wasm), 1 epoch of 12,800');
  const tfjsMlp = await TfjsEstimator.create({ spec: MLP_SPEC, seed: 1 });
  const tfjsRun = await tfjsMlp.train({ data: train.x.subarray(0, TFJS_MLP_SAMPLES * 784), shape: [TFJS_MLP_SAMPLES, 784] }, train.y.subarray(0, TFJS_MLP_SAMPLES), {
    epochs: 1,
    batchSize: 64,
    learningRate: 1e-3,
    seed: 1,
  });
  tfjsMlp.dispose();
  log(`tfjs mlp: ${(tfjsRun['samplesPerSecond'] as number).toFixed(0)} samples/s`);

  log('PyTorch baseline (1 thread)');
  const torch = await measureTorch();
  const trainSps = mlpRun['samplesPerSecond'] as number;
  return {
    train_samples_per_s: trainSps,
    torch_train_samples_per_s: torch.mlp,
    train_ratio_vs_torch: trainSps / torch.mlp,
    mlp_test_accuracy_1_epoch: mlpTest['accuracy'] as number,
    cnn_train_samples_per_s: cnnRun['samplesPerSecond'] as number,
    torch_cnn_train_samples_per_s: torch.cnn,
    cnn_ratio_vs_torch: (cnnRun['samplesPerSecond'] as number) / torch.cnn,
    cnn_test_accuracy_1_epoch: cnnTest['accuracy'] as number,
    tfjs_mlp_train_samples_per_s: tfjsRun['samplesPerSecond'] as number,
  };
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
