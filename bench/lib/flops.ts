/**
 * How much arithmetic a training step is, to turn samples/s into GFLOP/s, and how fast the lib's GEMM kernel can go
 * at all on this machine, so that the training figures can be read against a ceiling.
 *
 * FLOPs per sample = Σ over dense and conv2d layers of 2·MACs × 3 (forward GEMM, weight-gradient GEMM and
 * input-gradient GEMM), × 2 for the first such layer (no input gradient is computed for it); MACs = in·out for a
 * dense layer, OH·OW·KH·KW·C·filters for a convolution. Element-wise work (bias, activations, pooling, softmax,
 * optimizer) is not counted: the figure is the GEMM work both sides must do.
 */
import { type ModelSpec, resolveLayers } from '@sedna/lib/estimators';
import { KernelRuntime } from '@sedna/lib/estimators/mlp/kernels';

export function trainingFlopsPerSample(spec: ModelSpec): number {
  let flops = 0;
  let first = true;
  for (const layer of resolveLayers(spec)) {
    if (layer.spec.type !== 'dense' && layer.spec.type !== 'conv2d') continue;
    const kernel = (layer.weights[0]?.shape ?? []).reduce((a, b) => a * b, 1);
    const positions = layer.spec.type === 'conv2d' ? (layer.outputShape[0] as number) * (layer.outputShape[1] as number) : 1;
    flops += 2 * kernel * positions * (first ? 2 : 3);
    first = false;
  }
  return flops;
}

/** CPU time this process has used, ms (user + system). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * GFLOP/s of the lib's WebAssembly GEMM (the 4x8 f32x4 micro-kernel, packed A, B read in place) on an
 * M x N x K product that stays in cache, best of `rounds` timings of ~0.2 s of CPU time each: the most any model
 * trained with these kernels could reach on this machine. Timed in CPU time, not wall time, so that the ceiling
 * holds when other work shares the machine (descheduled time is not the kernel's).
 */
export function wasmGemmPeakGflops(rounds = 5, M = 128, N = 256, K = 256): number {
  const rt = new KernelRuntime();
  const a = rt.alloc(M * K);
  const b = rt.alloc(K * N + 16);
  const pa = rt.alloc(M * K);
  const c = rt.alloc(M * N);
  const tile = rt.alloc(32);
  rt.f32(a, M * K).fill(0.5);
  rt.f32(b, K * N).fill(0.25);
  rt.kernels.pack_a(M, K, a, K, 1, pa);
  const flopsPerCall = 2 * M * N * K;
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const started = cpuMs();
    let elapsed: number;
    do {
      for (let i = 0; i < 10; i++) rt.kernels.gemm(M, N, K, pa, b, N * 4, 32, c, N, tile);
      calls += 10;
      elapsed = cpuMs() - started;
    } while (elapsed < 200);
    best = Math.max(best, (calls * flopsPerCall) / (elapsed / 1000) / 1e9);
  }
  return best;
}
