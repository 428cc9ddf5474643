import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../batch.js';
import { KernelRuntime } from './runtime.js';

const random = seededRandom(42);
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => random() * 2 - 1);

function put(rt: KernelRuntime, values: Float32Array): number {
  const ptr = rt.alloc(values.length);
  rt.f32(ptr, values.length).set(values);
  return ptr;
}

/** C = A·B with A given by strides (element (i,k) at i*rsA + k*csA), B likewise. */
function reference(M: number, N: number, K: number, A: Float32Array, rsA: number, csA: number, B: Float32Array, rsB: number, csB: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (A[i * rsA + k * csA] as number) * (B[k * rsB + j * csB] as number);
      C[i * N + j] = s;
    }
  return C;
}

function expectClose(got: Float32Array, want: ArrayLike<number>, tol = 1e-4): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)));
  expect(worst).toBeLessThan(tol);
}

describe('wasm SIMD kernels', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [4, 8, 3],
    [5, 10, 7],
    [13, 21, 17],
    [64, 10, 128],
    [3, 33, 0],
  ];

  it.each(shapes)('gemm %ix%i (K=%i) matches a reference, for packed and in-place B, normal and transposed A', (M, N, K) => {
    const rt = new KernelRuntime();
    const A = rand(M * K);
    const B = rand(K * N);
    const scratch = rt.alloc(32);
    const c = rt.alloc(M * N + 8);
    const guard = rt.f32(c + M * N * 4, 8);
    guard.fill(123);
    for (const transposeA of [false, true]) {
      // the same logical A, stored row-major [M x K] or column-major (as the transpose of a [K x M] matrix)
      const stored = transposeA ? Float32Array.from({ length: M * K }, (_, idx) => A[(idx % M) * K + Math.floor(idx / M)] as number) : A;
      const [rsA, csA] = transposeA ? [1, M] : [K, 1];
      const want = reference(M, N, K, stored, rsA, csA, B, N, 1);
      const pa = rt.alloc(Math.ceil(M / 4) * 4 * Math.max(K, 1));
      const pb = rt.alloc(Math.ceil(N / 8) * 8 * Math.max(K, 1));
      const aPtr = put(rt, stored);
      const bPtr = put(rt, B);
      rt.kernels.pack_a(M, K, aPtr, rsA, csA, pa);
      // packed B
      rt.kernels.pack_b(K, N, bPtr, N, 1, pb);
      rt.kernels.gemm(M, N, K, pa, pb, 32, K * 32, c, N, scratch);
      expectClose(rt.f32(c, M * N), want);
      // B read in place (row-major, row stride N floats)
      rt.f32(c, M * N).fill(NaN);
      rt.kernels.gemm(M, N, K, pa, bPtr, N * 4, 32, c, N, scratch);
      expectClose(rt.f32(c, M * N), want);
      expect(Array.from(rt.f32(c + M * N * 4, 8))).toEqual(Array(8).fill(123)); // nothing written past C
    }
  });

  it('gemm with a transposed B via pack_b strides', () => {
    const rt = new KernelRuntime();
    const [M, N, K] = [6, 11, 9];
    const A = rand(M * K);
    const W = rand(N * K); // stored [N x K]; B = Wᵀ
    const want = reference(M, N, K, A, K, 1, W, 1, K);
    const pa = rt.alloc(8 * K);
    const pb = rt.alloc(16 * K);
    const c = rt.alloc(M * N);
    const scratch = rt.alloc(32);
    rt.kernels.pack_a(M, K, put(rt, A), K, 1, pa);
    rt.kernels.pack_b(K, N, put(rt, W), 1, K, pb);
    rt.kernels.gemm(M, N, K, pa, pb, 32, K * 32, c, N, scratch);
    expectClose(rt.f32(c, M * N), want);
  });

  it('gemm_s reads a row-major X [K x M] in place as Xᵀ', () => {
    const rt = new KernelRuntime();
    for (const [M, N, K] of [[9, 16, 37], [13, 10, 5], [4, 8, 1]] as [number, number, number][]) {
      const X = rand(K * M);
      const B = rand(K * N);
      const want = reference(M, N, K, X, 1, M, B, N, 1);
      const x = rt.alloc(K * M + 16);
      rt.f32(x, K * M).set(X);
      const c = rt.alloc(M * N);
      rt.kernels.gemm_s(M, N, K, x, M * 4, 16, put(rt, B), N * 4, 32, c, N, rt.alloc(32));
      expectClose(rt.f32(c, M * N), want);
    }
  });

  it('im2col matches the definition (strides, padding) and col2im is its adjoint', () => {
    const rt = new KernelRuntime();
    // [B, H, W, C, KH, KW, sh, sw, top, left]
    const cases: number[][] = [
      [2, 5, 6, 1, 3, 3, 1, 1, 0, 0],
      [1, 6, 7, 8, 3, 2, 2, 1, 1, 0],
      [2, 4, 5, 3, 2, 3, 1, 2, 0, 1],
    ];
    for (const [B, H, W, C, KH, KW, sh, sw, top, left] of cases as [number, number, number, number, number, number, number, number, number, number][]) {
      const OH = Math.floor((H + 2 * top - KH) / sh) + 1;
      const OW = Math.floor((W + 2 * left - KW) / sw) + 1;
      const Q = KH * KW * C;
      const X = rand(B * H * W * C);
      const want = new Float32Array(B * OH * OW * Q);
      for (let b = 0; b < B; b++)
        for (let oy = 0; oy < OH; oy++)
          for (let ox = 0; ox < OW; ox++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++)
                for (let ci = 0; ci < C; ci++) {
                  const [iy, ix] = [oy * sh + kh - top, ox * sw + kw - left];
                  const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                  want[((b * OH + oy) * OW + ox) * Q + (kh * KW + kw) * C + ci] = inside ? (X[((b * H + iy) * W + ix) * C + ci] as number) : 0;
                }
      const col = rt.alloc(want.length);
      rt.f32(col, want.length).fill(NaN);
      rt.kernels.im2col(put(rt, X), col, B, H, W, C, OH, OW, KH, KW, sh, sw, top, left);
      expect(Array.from(rt.f32(col, want.length))).toEqual(Array.from(want));
      // <im2col(x), d> = <x, col2im(d)> for any d
      const D = rand(want.length);
      const dx = rt.alloc(X.length);
      rt.f32(dx, X.length).fill(0);
      rt.kernels.col2im(put(rt, D), dx, B, H, W, C, OH, OW, KH, KW, sh, sw, top, left);
      const lhs = want.reduce((s, v, i) => s + v * (D[i] as number), 0);
      const rhs = rt.f32(dx, X.length).reduce((s, v, i) => s + v * (X[i] as number), 0);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4);
    }
  });

  it('gather and scatter_add follow an index table, skipping -1', () => {
    const rt = new KernelRuntime();
    const src = rand(6);
    const idx = rt.alloc(4);
    rt.i32(idx, 4).set([5, -1, 0, 5]);
    const out = rt.alloc(4);
    rt.kernels.gather(4, put(rt, src), idx, out);
    expect(Array.from(rt.f32(out, 4))).toEqual([src[5], 0, src[0], src[5]]);
    const dst = rt.alloc(6);
    rt.f32(dst, 6).fill(0);
    rt.kernels.scatter_add(4, put(rt, Float32Array.of(1, 2, 3, 4)), idx, dst);
    expect(Array.from(rt.f32(dst, 6))).toEqual([3, 0, 0, 0, 0, 5]);
  });

  it('bias_act adds the bias and applies ReLU (or not), tails included', () => {
    const rt = new KernelRuntime();
    const [M, N] = [3, 7];
    const z = rand(M * N);
    const bias = rand(N);
    for (const relu of [0, 1]) {
      const zp = put(rt, z);
      rt.kernels.bias_act(M, N, zp, put(rt, bias), relu);
      const want = Array.from(z, (v, i) => {
        const s = Math.fround(v + (bias[i % N] as number));
        return relu ? Math.max(0, s) : s;
      });
      expectClose(rt.f32(zp, M * N), want, 1e-7);
    }
  });

  it('relu_backward, col_sum and sgd', () => {
    const rt = new KernelRuntime();
    const n = 11;
    const d = rand(n);
    const a = rand(n);
    const dp = put(rt, d);
    rt.kernels.relu_backward(n, dp, put(rt, a));
    expect(Array.from(rt.f32(dp, n))).toEqual(Array.from(d, (v, i) => ((a[i] as number) > 0 ? v : 0)));

    const [M, N] = [5, 6];
    const x = rand(M * N);
    const out = rt.alloc(N);
    rt.f32(out, N).fill(99);
    rt.kernels.col_sum(M, N, put(rt, x), out);
    expectClose(rt.f32(out, N), Array.from({ length: N }, (_, j) => x.filter((_, i) => i % N === j).reduce((s, v) => s + v, 0)), 1e-5);

    const w = rand(n);
    const g = rand(n);
    const wp = put(rt, w);
    rt.kernels.sgd(n, wp, put(rt, g), 0.1);
    expectClose(rt.f32(wp, n), Array.from(w, (v, i) => v - 0.1 * (g[i] as number)), 1e-6);
  });

  it('adam follows the tfjs update rule', () => {
    const rt = new KernelRuntime();
    const n = 9;
    const w = rand(n);
    const g = rand(n);
    const m = rand(n).map((v) => v * 0.1);
    const v = rand(n).map((x) => Math.abs(x) * 0.01);
    const [lr, b1, b2, eps, t] = [0.01, 0.9, 0.999, 1e-7, 3];
    const c1 = 1 / (1 - b1 ** t);
    const c2 = 1 / (1 - b2 ** t);
    const [wp, gp, mp, vp] = [put(rt, w), put(rt, g), put(rt, m), put(rt, v)];
    rt.kernels.adam(n, wp, gp, mp, vp, lr, b1, b2, eps, c1, c2);
    const wantM = Array.from(m, (x, i) => b1 * x + (1 - b1) * (g[i] as number));
    const wantV = Array.from(v, (x, i) => b2 * x + (1 - b2) * (g[i] as number) ** 2);
    const wantW = Array.from(w, (x, i) => x - (lr * ((wantM[i] as number) * c1)) / (Math.sqrt((wantV[i] as number) * c2) + eps));
    expectClose(rt.f32(mp, n), wantM, 1e-6);
    expectClose(rt.f32(vp, n), wantV, 1e-6);
    expectClose(rt.f32(wp, n), wantW, 1e-5);
  });
});
