/**
 * Bias + activation after a dense or convolution GEMM, and its gradient, shared by both layers. ReLU runs in the
 * SIMD kernels; sigmoid, tanh and softmax in JavaScript (rare in the models trained here). Softmax is only allowed
 * on the last layer, where the loss gives the gradient of its input directly, so its backward step is the identity.
 */
import type { Activation } from '../../model-spec.js';
import type { KernelRuntime } from '../wasm/runtime.js';

/** z[rows x width] = act(z + bias); bias is a buffer of `width` floats (zeros when the layer has none). */
export function biasActivation(rt: KernelRuntime, activation: Activation, rows: number, width: number, z: number, bias: number): void {
  rt.kernels.bias_act(rows, width, z, bias, activation === 'relu' ? 1 : 0);
  if (activation === 'relu' || activation === 'linear') return;
  const view = rt.f32(z, rows * width);
  if (activation === 'sigmoid') for (let j = 0; j < view.length; j++) view[j] = 1 / (1 + Math.exp(-(view[j] as number)));
  else if (activation === 'tanh') for (let j = 0; j < view.length; j++) view[j] = Math.tanh(view[j] as number);
  else softmaxRows(view, rows, width);
}

/** d *= act'(z), written with the activation's output a = act(z) (n floats each). */
export function activationBackward(rt: KernelRuntime, activation: Activation, n: number, d: number, a: number): void {
  switch (activation) {
    case 'relu':
      rt.kernels.relu_backward(n, d, a);
      return;
    case 'sigmoid': {
      const [dv, av] = [rt.f32(d, n), rt.f32(a, n)];
      for (let j = 0; j < n; j++) dv[j] = (dv[j] as number) * (av[j] as number) * (1 - (av[j] as number));
      return;
    }
    case 'tanh': {
      const [dv, av] = [rt.f32(d, n), rt.f32(a, n)];
      for (let j = 0; j < n; j++) dv[j] = (dv[j] as number) * (1 - (av[j] as number) * (av[j] as number));
      return;
    }
    case 'linear':
    case 'softmax':
      return;
  }
}

export function softmaxRows(v: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, v[base + j] as number);
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp((v[base + j] as number) - max);
      v[base + j] = e;
      sum += e;
    }
    for (let j = 0; j < width; j++) v[base + j] = (v[base + j] as number) / sum;
  }
}
