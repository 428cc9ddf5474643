/**
 * Where a training step of the mlp estimator's network goes: CPU time per layer (forward and backward) of the
 * benchmark's MLP and CNN, batch 64, Adam, over 2,048 random samples (the rest of a step, loss and Adam, is the
 * difference to the total), and the lib's GEMM kernel alone (see ./flops.ts). CPU time, not wall time, so that
 * the split holds when other work shares the machine. A diagnostic, not part of `npm run bench`:
 * `npx tsx bench/lib/train-profile.ts [mlp|cnn]`.
 */
import { seededRandom } from '../../packages/lib/src/backend/batch.js';
import { WasmNetwork } from '../../packages/lib/src/backend/mlp/network.js';
import { wasmGemmPeakGflops } from './flops.js';
import { CNN_SPEC, MLP_SPEC } from './train.js';

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function profile(name: string, spec: typeof MLP_SPEC): void {
  const net = new WasmNetwork(spec);
  net.initialise(seededRandom(1));
  const n = 2048;
  const batch = 64;
  const size = spec.inputShape.reduce((a, b) => a * b, 1);
  const random = seededRandom(2);
  const x = Float32Array.from({ length: n * size }, () => random());
  const y = Int32Array.from({ length: n }, (_, i) => i % 10);
  const spent = new Map<string, number>();
  for (const layer of net.layers) {
    const forward = layer.forward.bind(layer);
    const backward = layer.backward.bind(layer);
    const add = (key: string, since: number): void => {
      spent.set(key, (spent.get(key) ?? 0) + cpuMs() - since);
    };
    layer.forward = (...args) => {
      const t = cpuMs();
      const out = forward(...args);
      add(`${layer.name} forward`, t);
      return out;
    };
    layer.backward = (...args) => {
      const t = cpuMs();
      const out = backward(...args);
      add(`${layer.name} backward`, t);
      return out;
    };
  }
  // the first pass warms up (compiles, lays out the workspace); the second is reported
  for (let pass = 0; pass < 2; pass++) {
    spent.clear();
    const started = cpuMs();
    for (let s = 0; s < n; s += batch) {
      net.trainStep(x, y, Int32Array.from({ length: batch }, (_, i) => s + i), { name: 'adam', learningRate: 1e-3 }, random);
    }
    const total = cpuMs() - started;
    if (pass === 0) continue;
    const steps = n / batch;
    console.log(`${name}: ${((n / total) * 1000).toFixed(0)} samples per CPU second, ${(total / steps).toFixed(2)} ms a batch of ${batch}`);
    for (const [key, ms] of spent) console.log(`  ${key}: ${(ms / steps).toFixed(3)} ms`);
    const layers = [...spent.values()].reduce((a, b) => a + b, 0);
    console.log(`  the rest (input copy, loss, Adam): ${((total - layers) / steps).toFixed(3)} ms`);
  }
}

const which = process.argv[2];
if (which !== 'cnn') profile('MLP 784-256-128-10', MLP_SPEC);
if (which !== 'mlp') profile('CNN', CNN_SPEC);
console.log(`the wasm GEMM kernel alone, in cache: ${wasmGemmPeakGflops().toFixed(1)} GFLOP/s`);
