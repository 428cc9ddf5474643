/**
 * The MLP trainer's compute kernels, assembled to WebAssembly SIMD with ./assembler.ts. All pointers are byte
 * addresses in the shared memory; all matrices are float32, row-major.
 *
 * GEMM: C[M x N] = A[M x K] · B[K x N], computed on packed operands so one kernel serves every transposition the
 * training step needs (X·W forward, Aᵀ·dZ for weight gradients, dZ·Wᵀ for input gradients):
 *  - pack_a copies A, given by element strides (rsA, csA), into panels of 4 rows laid out k-major
 *    ([panel][k][4]), zero-padding the last panel; full panels of a row-major A go 4x4 floats at a time,
 *    transposed in registers with shuffles;
 *  - pack_b copies B, given by element strides (rsB, csB), into panels of 8 columns ([panel][k][8]), zero-padded;
 *    a row-major B can also be read in place (bsk = row bytes, bsq = 32), which the forward pass does;
 *  - gemm walks 8-column blocks (outer) and 4-row panels (inner); its 4x8 micro-kernel keeps the tile in eight
 *    f32x4 registers: per k it loads two vectors of B, broadcasts four scalars of A (v128.load32_splat) and
 *    does 8 multiplies and 8 adds (wasm SIMD has no fused multiply-add in the default feature set). Tiles that
 *    stick out past N go through a 4x8 scratch tile and are copied out column by column;
 *  - gemm_s is gemm with A read in place when the 4 rows of a panel are adjacent floats (the transpose of a
 *    row-major matrix): weight gradients need no packing.
 * Element-wise kernels (bias + ReLU, ReLU backward, column sums, Adam, SGD) run 4 lanes at a time with a scalar
 * tail. window_argmax finds max-pooling windows' maxima, for the mlp trainer's pooling layer and the tfjs max-pool
 * gradient (../../tfjs/wasm-kernel-overrides.ts). The convolution kernels are in ./conv-kernels.ts.
 */
import { FunctionBuilder, type Local, ValType, assembleModule } from './assembler.js';
import { type ConvKernels, convKernelFunctions } from './conv-kernels.js';

const { i32, f32, v128 } = ValType;

/** Byte offset helper: base + index * 4. */
function addr(f: FunctionBuilder, base: Local, index: Local): void {
  f.get(base).get(index).i32Const(2).i32Shl().i32Add();
}

function packA(): FunctionBuilder {
  // pack_a(M, K, A, rsA, csA, dst)
  const f = new FunctionBuilder('pack_a', [i32, i32, i32, i32, i32, i32]);
  const [M, K, A, rsA, csA, dst] = f.params as [Local, Local, Local, Local, Local, Local];
  const i = f.local(i32);
  const k = f.local(i32);
  const mPad = f.local(i32);
  const d = f.local(i32);
  const src = f.local(i32);
  const step = f.local(i32);
  const rows: Local[] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const rowBytes = f.local(i32);
  const k4 = f.local(i32);
  const [v0, v1, v2, v3] = [f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  const [t0, t1, t2, t3] = [f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  const row = (r: number): Local => rows[r] as Local;
  f.get(M).i32Const(3).i32Add().i32Const(-4).i32And().set(mPad);
  f.get(csA).i32Const(2).i32Shl().set(step);
  f.get(rsA).i32Const(2).i32Shl().set(rowBytes);
  f.get(K).i32Const(2).i32ShrU().set(k4);
  /**
   * A whole panel of a row-major A (csA = 1): four rows read four floats at a time and transposed in registers
   * (two rounds of shuffles), one v128 store per k; the K % 4 tail goes float by float.
   */
  const rowMajorPanel = (): void => {
    f.get(A).get(i).get(rowBytes).i32Mul().i32Add().set(row(0));
    for (let r = 1; r < 4; r++) f.get(row(r - 1)).get(rowBytes).i32Add().set(row(r));
    f.get(dst).get(i).i32Const(2).i32ShrU().get(K).i32Mul().i32Const(4).i32Shl().i32Add().set(d);
    f.forRange(k, k4, () => {
      [v0, v1, v2, v3].forEach((v, r) => f.get(row(r)).v128Load().set(v));
      // rows (r0..r3) x k (k0..k3) -> pairs of rows interleaved -> one register per k
      f.get(v0).get(v1).f32x4Shuffle([0, 4, 1, 5]).set(t0);
      f.get(v0).get(v1).f32x4Shuffle([2, 6, 3, 7]).set(t1);
      f.get(v2).get(v3).f32x4Shuffle([0, 4, 1, 5]).set(t2);
      f.get(v2).get(v3).f32x4Shuffle([2, 6, 3, 7]).set(t3);
      f.get(d).get(t0).get(t2).f32x4Shuffle([0, 1, 4, 5]).v128Store(0);
      f.get(d).get(t0).get(t2).f32x4Shuffle([2, 3, 6, 7]).v128Store(16);
      f.get(d).get(t1).get(t3).f32x4Shuffle([0, 1, 4, 5]).v128Store(32);
      f.get(d).get(t1).get(t3).f32x4Shuffle([2, 3, 6, 7]).v128Store(48);
      for (let r = 0; r < 4; r++) f.inc(row(r), 16);
      f.inc(d, 64);
    });
    f.get(k4).i32Const(2).i32Shl().set(k);
    f.block(() => {
      f.get(k).get(K).i32GeS().brIf(0);
      f.loop(() => {
        for (let r = 0; r < 4; r++) {
          f.get(d).get(row(r)).f32Load().f32Store(r * 4);
          f.inc(row(r), 4);
        }
        f.inc(d, 16).inc(k, 1);
        f.get(k).get(K).i32LtS().brIf(0);
      });
    });
    f.inc(i, 3); // the loop adds the 4th
  };
  f.forRange(i, mPad, () => {
    // a full panel of a row-major A: the fast path; anything else row by row
    f.get(csA).i32Const(1).i32Sub().i32Eqz().get(i).i32Const(3).i32And().i32Eqz().i32And().get(i).i32Const(4).i32Add().get(M).i32GtS().i32Eqz().i32And();
    f.ifThen(rowMajorPanel, () => {
      // d = dst + ((i >> 2) * K * 4 + (i & 3)) * 4
      f.get(dst).get(i).i32Const(2).i32ShrU().get(K).i32Mul().i32Const(2).i32Shl().get(i).i32Const(3).i32And().i32Add().i32Const(2).i32Shl().i32Add().set(d);
      f.get(i).get(M).i32LtS().ifThen(
        () => {
          f.get(A).get(i).get(rsA).i32Mul().i32Const(2).i32Shl().i32Add().set(src);
          f.forRange(k, K, () => {
            f.get(d).get(src).f32Load().f32Store();
            f.addTo(src, step).inc(d, 16);
          });
        },
        () => {
          f.forRange(k, K, () => {
            f.get(d).f32Const(0).f32Store();
            f.inc(d, 16);
          });
        },
      );
    });
  });
  return f;
}

function packB(): FunctionBuilder {
  // pack_b(K, N, B, rsB, csB, dst). The loops run along whichever axis of B is contiguous, so both a row-major B
  // (csB = 1) and a transposed one (rsB = 1) are read sequentially.
  const f = new FunctionBuilder('pack_b', [i32, i32, i32, i32, i32, i32]);
  const [K, N, B, rsB, csB, dst] = f.params as [Local, Local, Local, Local, Local, Local];
  const j = f.local(i32);
  const k = f.local(i32);
  const nPad = f.local(i32);
  const d = f.local(i32);
  const src = f.local(i32);
  const step = f.local(i32);
  f.get(N).i32Const(7).i32Add().i32Const(-8).i32And().set(nPad);
  f.get(csB).i32Const(1).i32Sub().i32Eqz().ifThen(
    () => {
      // row by row: for k, for j < nPad: dst[(j>>3)*K*8 + k*8 + (j&7)] = j < N ? B[k*rsB + j] : 0
      f.forRange(k, K, () => {
        f.get(B).get(k).get(rsB).i32Mul().i32Const(2).i32Shl().i32Add().set(src);
        f.forRange(j, nPad, () => {
          f.get(dst).get(j).i32Const(3).i32ShrU().get(K).i32Mul().get(k).i32Add().i32Const(3).i32Shl().get(j).i32Const(7).i32And().i32Add().i32Const(2).i32Shl().i32Add();
          f.get(j).get(N).i32LtS().ifResult(
            f32,
            () => f.get(src).f32Load(),
            () => f.f32Const(0),
          );
          f.f32Store();
          f.inc(src, 4);
        });
      });
    },
    () => {
      // column by column: for j, for k
      f.get(rsB).i32Const(2).i32Shl().set(step);
      f.forRange(j, nPad, () => {
        // d = dst + ((j >> 3) * K * 8 + (j & 7)) * 4
        f.get(dst).get(j).i32Const(3).i32ShrU().get(K).i32Mul().i32Const(3).i32Shl().get(j).i32Const(7).i32And().i32Add().i32Const(2).i32Shl().i32Add().set(d);
        f.get(j).get(N).i32LtS().ifThen(
          () => {
            f.get(B).get(j).get(csB).i32Mul().i32Const(2).i32Shl().i32Add().set(src);
            f.forRange(k, K, () => {
              f.get(d).get(src).f32Load().f32Store();
              f.addTo(src, step).inc(d, 32);
            });
          },
          () => {
            f.forRange(k, K, () => {
              f.get(d).f32Const(0).f32Store();
              f.inc(d, 32);
            });
          },
        );
      });
    },
  );
  return f;
}

function gemm(stridedA: boolean): FunctionBuilder {
  // gemm(M, N, K, pa, pb, bsk, bsq, c, ldc, scratch): C = A·B; pa packed by pack_a; B vectors for (k, block q) at
  // pb + k*bsk + q*bsq (bytes); scratch: 128 bytes for the tile that sticks out past N.
  // gemm_s(M, N, K, a, ask, asp, pb, bsk, bsq, c, ldc, scratch): the same with A read in place wherever its 4 rows
  // of a panel sit at consecutive floats: A(i, k) for the panel p at a + p*asp + k*ask + (i & 3)*4. A row-major
  // X [K x M] read as Xᵀ (ask = M*4, asp = 16) is one: weight gradients (inputᵀ·dZ, colᵀ·dY) need no packing.
  // Rows past M read up to 3 floats past A's panel (results dropped): keep that slack readable.
  const params = stridedA ? 12 : 10;
  const f = new FunctionBuilder(stridedA ? 'gemm_s' : 'gemm', Array(params).fill(i32) as ValType[]);
  const [M, N, K, pa] = f.params as Local[] as [Local, Local, Local, Local];
  const [ask, asp] = (stridedA ? f.params.slice(4, 6) : [undefined, undefined]) as [Local | undefined, Local | undefined];
  const [pb, bsk, bsq, c, ldc, scratch] = f.params.slice(stridedA ? 6 : 4) as Local[] as [Local, Local, Local, Local, Local, Local];
  const q = f.local(i32);
  const p = f.local(i32);
  const k = f.local(i32);
  const col = f.local(i32);
  const nq = f.local(i32);
  const np = f.local(i32);
  const ptrA = f.local(i32);
  const ptrB = f.local(i32);
  const cp = f.local(i32);
  const rowBytes = f.local(i32);
  const panelBytes = asp ?? f.local(i32);
  const cols = f.local(i32);
  const acc = Array.from({ length: 8 }, () => f.local(v128));
  const b0 = f.local(v128);
  const b1 = f.local(v128);
  const a = f.local(v128);

  f.get(N).i32Const(7).i32Add().i32Const(3).i32ShrU().set(nq);
  f.get(M).i32Const(3).i32Add().i32Const(2).i32ShrU().set(np);
  f.get(ldc).i32Const(2).i32Shl().set(rowBytes);
  if (!stridedA) f.get(K).i32Const(4).i32Shl().set(panelBytes); // K * 16 bytes per packed panel of A
  f.forRange(q, nq, () => {
    f.forRange(p, np, () => {
      for (const x of acc) f.f32Const(0).f32x4Splat().set(x);
      f.get(pa).get(p).get(panelBytes).i32Mul().i32Add().set(ptrA);
      f.get(pb).get(q).get(bsq).i32Mul().i32Add().set(ptrB);
      f.forRange(k, K, () => {
        f.get(ptrB).v128Load(0).set(b0);
        f.get(ptrB).v128Load(16).set(b1);
        for (let row = 0; row < 4; row++) {
          f.get(ptrA).v128Load32Splat(row * 4).set(a);
          f.get(acc[2 * row] as Local).get(a).get(b0).f32x4Mul().f32x4Add().set(acc[2 * row] as Local);
          f.get(acc[2 * row + 1] as Local).get(a).get(b1).f32x4Mul().f32x4Add().set(acc[2 * row + 1] as Local);
        }
        if (ask === undefined) f.inc(ptrA, 16);
        else f.addTo(ptrA, ask);
        f.addTo(ptrB, bsk);
      });
      // cp = c + ((p*4) * ldc + q*8) * 4
      f.get(c).get(p).i32Const(2).i32Shl().get(ldc).i32Mul().get(q).i32Const(3).i32Shl().i32Add().i32Const(2).i32Shl().i32Add().set(cp);
      // the tile holds columns q*8 .. q*8+7; cols = min(8, N - q*8)
      f.get(N).get(q).i32Const(3).i32Shl().i32Sub().set(cols);
      f.get(cols).i32Const(8).i32GeS().ifThen(
        () => {
          for (let row = 0; row < 4; row++) {
            // if (p*4 + row < M) store the row
            f.get(p).i32Const(2).i32Shl().i32Const(row).i32Add().get(M).i32LtS().ifThen(() => {
              f.get(cp).get(acc[2 * row] as Local).v128Store(0);
              f.get(cp).get(acc[2 * row + 1] as Local).v128Store(16);
            });
            f.addTo(cp, rowBytes);
          }
        },
        () => {
          for (let row = 0; row < 8; row++) f.get(scratch).get(acc[row] as Local).v128Store(row * 16);
          for (let row = 0; row < 4; row++) {
            f.get(p).i32Const(2).i32Shl().i32Const(row).i32Add().get(M).i32LtS().ifThen(() => {
              f.forRange(col, cols, () => {
                // cp[col] = scratch[row * 8 + col]
                addr(f, cp, col);
                f.get(scratch).get(col).i32Const(2).i32Shl().i32Add().f32Load(row * 32);
                f.f32Store();
              });
            });
            f.addTo(cp, rowBytes);
          }
        },
      );
    });
  });
  return f;
}

function biasAct(): FunctionBuilder {
  // bias_act(M, N, z, bias, relu): z[i][j] = act(z[i][j] + bias[j]), act = relu when relu != 0, else identity
  const f = new FunctionBuilder('bias_act', [i32, i32, i32, i32, i32]);
  const [M, N, z, bias, relu] = f.params as [Local, Local, Local, Local, Local];
  const i = f.local(i32);
  const j = f.local(i32);
  const n4 = f.local(i32);
  const zp = f.local(i32);
  const bp = f.local(i32);
  const zero = f.local(v128);
  const v = f.local(v128);
  const s = f.local(f32);
  f.f32Const(0).f32x4Splat().set(zero);
  f.get(N).i32Const(2).i32ShrU().set(n4);
  f.get(z).set(zp);
  f.forRange(i, M, () => {
    f.get(bias).set(bp);
    f.forRange(j, n4, () => {
      f.get(zp).v128Load().get(bp).v128Load().f32x4Add().set(v);
      f.get(relu).ifThen(() => {
        f.get(v).get(zero).f32x4Max().set(v);
      });
      f.get(zp).get(v).v128Store();
      f.inc(zp, 16).inc(bp, 16);
    });
    // scalar tail: columns n4*4 .. N-1
    f.get(n4).i32Const(2).i32Shl().set(j);
    f.block(() => {
      f.get(j).get(N).i32GeS().brIf(0);
      f.loop(() => {
        f.get(zp).f32Load().get(bp).f32Load().f32Add().set(s);
        f.get(relu).ifThen(() => {
          f.get(s).f32Const(0).f32Max().set(s);
        });
        f.get(zp).get(s).f32Store();
        f.inc(zp, 4).inc(bp, 4).inc(j, 1);
        f.get(j).get(N).i32LtS().brIf(0);
      });
    });
  });
  return f;
}

function reluBackward(): FunctionBuilder {
  // relu_backward(n, d, a): d[i] = a[i] > 0 ? d[i] : 0
  const f = new FunctionBuilder('relu_backward', [i32, i32, i32]);
  const [n, d, a] = f.params as [Local, Local, Local];
  const i = f.local(i32);
  const n4 = f.local(i32);
  const zero = f.local(v128);
  f.f32Const(0).f32x4Splat().set(zero);
  f.get(n).i32Const(2).i32ShrU().set(n4);
  f.forRange(i, n4, () => {
    f.get(d).get(d).v128Load().get(a).v128Load().get(zero).f32x4Gt().v128And().v128Store();
    f.inc(d, 16).inc(a, 16);
  });
  f.get(n4).i32Const(2).i32Shl().set(i);
  f.block(() => {
    f.get(i).get(n).i32GeS().brIf(0);
    f.loop(() => {
      f.get(d).get(d).f32Load().f32Const(0).get(a).f32Load().f32Const(0).f32Gt().select().f32Store();
      f.inc(d, 4).inc(a, 4).inc(i, 1);
      f.get(i).get(n).i32LtS().brIf(0);
    });
  });
  return f;
}

function colSum(): FunctionBuilder {
  // col_sum(M, N, x, out): out[j] = sum_i x[i][j]
  const f = new FunctionBuilder('col_sum', [i32, i32, i32, i32]);
  const [M, N, x, out] = f.params as [Local, Local, Local, Local];
  const i = f.local(i32);
  const j = f.local(i32);
  const n4 = f.local(i32);
  const xp = f.local(i32);
  const op = f.local(i32);
  f.forRange(j, N, () => {
    addr(f, out, j);
    f.f32Const(0).f32Store();
  });
  f.get(N).i32Const(2).i32ShrU().set(n4);
  f.get(x).set(xp);
  f.forRange(i, M, () => {
    f.get(out).set(op);
    f.forRange(j, n4, () => {
      f.get(op).get(op).v128Load().get(xp).v128Load().f32x4Add().v128Store();
      f.inc(op, 16).inc(xp, 16);
    });
    f.get(n4).i32Const(2).i32Shl().set(j);
    f.block(() => {
      f.get(j).get(N).i32GeS().brIf(0);
      f.loop(() => {
        f.get(op).get(op).f32Load().get(xp).f32Load().f32Add().f32Store();
        f.inc(op, 4).inc(xp, 4).inc(j, 1);
        f.get(j).get(N).i32LtS().brIf(0);
      });
    });
  });
  return f;
}

function adam(): FunctionBuilder {
  // adam(n, w, g, m, v, lr, beta1, beta2, eps, c1, c2), tfjs/Keras form with bias corrections c1 = 1/(1-beta1^t),
  // c2 = 1/(1-beta2^t):  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g²;  w -= lr (m c1) / (sqrt(v c2) + eps)
  const f = new FunctionBuilder('adam', [i32, i32, i32, i32, i32, f32, f32, f32, f32, f32, f32]);
  const [n, w, g, m, v, lr, b1, b2, eps, c1, c2] = f.params as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const i = f.local(i32);
  const n4 = f.local(i32);
  const vb1 = f.local(v128);
  const vb1c = f.local(v128);
  const vb2 = f.local(v128);
  const vb2c = f.local(v128);
  const vlr = f.local(v128);
  const veps = f.local(v128);
  const vc1 = f.local(v128);
  const vc2 = f.local(v128);
  const gv = f.local(v128);
  const mv = f.local(v128);
  const vv = f.local(v128);
  const gs = f.local(f32);
  const ms = f.local(f32);
  const vs = f.local(f32);
  f.get(b1).f32x4Splat().set(vb1);
  f.f32Const(1).get(b1).f32Sub().f32x4Splat().set(vb1c);
  f.get(b2).f32x4Splat().set(vb2);
  f.f32Const(1).get(b2).f32Sub().f32x4Splat().set(vb2c);
  f.get(lr).f32x4Splat().set(vlr);
  f.get(eps).f32x4Splat().set(veps);
  f.get(c1).f32x4Splat().set(vc1);
  f.get(c2).f32x4Splat().set(vc2);
  f.get(n).i32Const(2).i32ShrU().set(n4);
  f.forRange(i, n4, () => {
    f.get(g).v128Load().set(gv);
    f.get(vb1).get(m).v128Load().f32x4Mul().get(vb1c).get(gv).f32x4Mul().f32x4Add().set(mv);
    f.get(vb2).get(v).v128Load().f32x4Mul().get(vb2c).get(gv).get(gv).f32x4Mul().f32x4Mul().f32x4Add().set(vv);
    f.get(m).get(mv).v128Store();
    f.get(v).get(vv).v128Store();
    f.get(w);
    f.get(w).v128Load();
    f.get(vlr).get(mv).get(vc1).f32x4Mul().f32x4Mul();
    f.get(vv).get(vc2).f32x4Mul().f32x4Sqrt().get(veps).f32x4Add();
    f.f32x4Div().f32x4Sub().v128Store();
    f.inc(w, 16).inc(g, 16).inc(m, 16).inc(v, 16);
  });
  f.get(n4).i32Const(2).i32Shl().set(i);
  f.block(() => {
    f.get(i).get(n).i32GeS().brIf(0);
    f.loop(() => {
      f.get(g).f32Load().set(gs);
      f.get(b1).get(m).f32Load().f32Mul().f32Const(1).get(b1).f32Sub().get(gs).f32Mul().f32Add().set(ms);
      f.get(b2).get(v).f32Load().f32Mul().f32Const(1).get(b2).f32Sub().get(gs).get(gs).f32Mul().f32Mul().f32Add().set(vs);
      f.get(m).get(ms).f32Store();
      f.get(v).get(vs).f32Store();
      f.get(w);
      f.get(w).f32Load();
      f.get(lr).get(ms).get(c1).f32Mul().f32Mul();
      f.get(vs).get(c2).f32Mul().f32Sqrt().get(eps).f32Add();
      f.f32Div().f32Sub().f32Store();
      f.inc(w, 4).inc(g, 4).inc(m, 4).inc(v, 4).inc(i, 1);
      f.get(i).get(n).i32LtS().brIf(0);
    });
  });
  return f;
}

function sgd(): FunctionBuilder {
  // sgd(n, w, g, lr): w -= lr * g
  const f = new FunctionBuilder('sgd', [i32, i32, i32, f32]);
  const [n, w, g, lr] = f.params as [Local, Local, Local, Local];
  const i = f.local(i32);
  const n4 = f.local(i32);
  const vlr = f.local(v128);
  f.get(lr).f32x4Splat().set(vlr);
  f.get(n).i32Const(2).i32ShrU().set(n4);
  f.forRange(i, n4, () => {
    f.get(w).get(w).v128Load().get(vlr).get(g).v128Load().f32x4Mul().f32x4Sub().v128Store();
    f.inc(w, 16).inc(g, 16);
  });
  f.get(n4).i32Const(2).i32Shl().set(i);
  f.block(() => {
    f.get(i).get(n).i32GeS().brIf(0);
    f.loop(() => {
      f.get(w).get(w).f32Load().get(lr).get(g).f32Load().f32Mul().f32Sub().f32Store();
      f.inc(w, 4).inc(g, 4).inc(i, 1);
      f.get(i).get(n).i32LtS().brIf(0);
    });
  });
  return f;
}

function windowArgmax(): FunctionBuilder {
  // window_argmax(x, out, B, H, W, C, OH, OW, fh, fw, sh, sw, top, left): for every pooling window and channel of
  // an NHWC image batch (C a multiple of 4), the element index of the window's first maximum (-1 for a window
  // with no pixel inside the image), written as int32 to out[((b*OH + oy)*OW + ox)*C + c]. Four channels at a
  // time: a lane takes a new position only when strictly greater, which keeps the first maximum as tfjs does.
  const f = new FunctionBuilder('window_argmax', Array(14).fill(i32) as ValType[]);
  const [x, out, B, H, W, C, OH, OW, fh, fw, sh, sw, top, left] = f.params as Local[] as [
    Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local,
  ];
  const [b, oy, ox, c4, iy, ix, ys, ye, xs, xe, c4n, base, outp] = Array.from({ length: 13 }, () => f.local(i32)) as [
    Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local,
  ];
  const best = f.local(v128);
  const at = f.local(v128);
  const v = f.local(v128);
  const m = f.local(v128);
  const lanes = f.local(v128);
  f.v128ConstI32x4([0, 1, 2, 3]).set(lanes);
  f.get(C).i32Const(2).i32ShrU().set(c4n);
  f.get(out).set(outp);
  // max(a, 0) and min(a, limit) with select
  const clampLow = (l: Local): void => {
    f.get(l).i32Const(0).get(l).i32Const(0).i32GtS().select().set(l);
  };
  const clampHigh = (l: Local, limit: Local): void => {
    f.get(l).get(limit).get(l).get(limit).i32LtS().select().set(l);
  };
  f.forRange(b, B, () => {
    f.forRange(oy, OH, () => {
      f.get(oy).get(sh).i32Mul().get(top).i32Sub().set(ys);
      f.get(ys).get(fh).i32Add().set(ye);
      clampLow(ys);
      clampHigh(ye, H);
      f.forRange(ox, OW, () => {
        f.get(ox).get(sw).i32Mul().get(left).i32Sub().set(xs);
        f.get(xs).get(fw).i32Add().set(xe);
        clampLow(xs);
        clampHigh(xe, W);
        f.forRange(c4, c4n, () => {
          f.f32Const(-Infinity).f32x4Splat().set(best);
          f.i32Const(-1).i32x4Splat().set(at);
          f.get(ys).set(iy);
          f.block(() => {
            f.get(iy).get(ye).i32GeS().brIf(0);
            f.loop(() => {
              f.get(xs).set(ix);
              f.block(() => {
                f.get(ix).get(xe).i32GeS().brIf(0);
                f.loop(() => {
                  // base = ((b*H + iy)*W + ix)*C + c4*4 (an element index)
                  f.get(b).get(H).i32Mul().get(iy).i32Add().get(W).i32Mul().get(ix).i32Add().get(C).i32Mul().get(c4).i32Const(2).i32Shl().i32Add().set(base);
                  f.get(x).get(base).i32Const(2).i32Shl().i32Add().v128Load().set(v);
                  f.get(v).get(best).f32x4Gt().set(m);
                  f.get(v).get(best).get(m).v128Bitselect().set(best);
                  f.get(base).i32x4Splat().get(lanes).i32x4Add().get(at).get(m).v128Bitselect().set(at);
                  f.inc(ix, 1);
                  f.get(ix).get(xe).i32LtS().brIf(0);
                });
              });
              f.inc(iy, 1);
              f.get(iy).get(ye).i32LtS().brIf(0);
            });
          });
          f.get(outp).get(at).v128Store();
          f.inc(outp, 16);
        });
      });
    });
  });
  return f;
}

/** The assembled module's bytes (built once per process). */
let moduleBytes: Uint8Array | undefined;
export function kernelModuleBytes(): Uint8Array {
  return (moduleBytes ??= assembleModule([packA(), packB(), gemm(false), gemm(true), biasAct(), reluBackward(), colSum(), adam(), sgd(), windowArgmax(), ...convKernelFunctions()]));
}

/** The exported kernels; see the module comment for their contracts. */
export interface Kernels extends ConvKernels {
  pack_a(M: number, K: number, A: number, rsA: number, csA: number, dst: number): void;
  pack_b(K: number, N: number, B: number, rsB: number, csB: number, dst: number): void;
  gemm(M: number, N: number, K: number, pa: number, pb: number, bsk: number, bsq: number, c: number, ldc: number, scratch: number): void;
  gemm_s(M: number, N: number, K: number, a: number, ask: number, asp: number, pb: number, bsk: number, bsq: number, c: number, ldc: number, scratch: number): void;
  bias_act(M: number, N: number, z: number, bias: number, relu: number): void;
  relu_backward(n: number, d: number, a: number): void;
  col_sum(M: number, N: number, x: number, out: number): void;
  adam(n: number, w: number, g: number, m: number, v: number, lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number): void;
  sgd(n: number, w: number, g: number, lr: number): void;
  window_argmax(
    x: number, out: number, B: number, H: number, W: number, C: number, OH: number, OW: number,
    fh: number, fw: number, sh: number, sw: number, top: number, left: number,
  ): void;
}
