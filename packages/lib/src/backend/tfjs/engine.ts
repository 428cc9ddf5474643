/**
 * Which TensorFlow.js backend ("engine") runs an operation. tfjs has one global active backend; the wasm one
 * (XNNPACK, SIMD, its .wasm files load offline from the package) is several times faster than the pure-JS cpu
 * one but lacks some gradient kernels, so training picks wasm only when every kernel its layers need is there.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { LayerType } from '../model-spec.js';
import { registerWasmConvFilterGrad } from './wasm-conv-filter-grad.js';
import { installWasmKernelOverrides } from './wasm-kernel-overrides.js';

// tfjs's cpu backend prints advice to install tfjs-node on first use; that package cannot be installed here
// (its install step downloads libtensorflow), so the advice only misleads. PROD silences tfjs warnings.
tf.env().set('PROD', true);

// Fill the wasm backend's one gap for training convolutions (see wasm-conv-filter-grad.ts).
registerWasmConvFilterGrad();
// Faster SIMD versions of the scalar wasm kernels that dominate training (see wasm-kernel-overrides.ts).
installWasmKernelOverrides();

export type TfjsEngine = 'wasm' | 'cpu';
/** 'auto' is wasm, except cpu for training a model whose gradient kernels wasm lacks. */
export type TfjsEngineChoice = TfjsEngine | 'auto';

/** Gradient kernels a layer type needs beyond what every backend has. */
const GRADIENT_KERNELS: Partial<Record<LayerType, readonly string[]>> = {
  conv2d: ['Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  maxPooling2d: ['MaxPoolGrad'],
  averagePooling2d: ['AvgPoolGrad'],
};

/** Kernels missing from `engine` to train a model made of these layer types. */
export function missingTrainingKernels(layerTypes: Iterable<LayerType>, engine: TfjsEngine): string[] {
  const missing = new Set<string>();
  for (const type of layerTypes) {
    for (const kernel of GRADIENT_KERNELS[type] ?? []) {
      if (tf.getKernel(kernel, engine) === undefined) missing.add(kernel);
    }
  }
  return [...missing];
}

export function engineFor(choice: TfjsEngineChoice, purpose: 'train' | 'infer', layerTypes: Iterable<LayerType>): TfjsEngine {
  if (choice === 'cpu') return 'cpu';
  if (choice === 'wasm') {
    if (purpose === 'train') {
      const missing = missingTrainingKernels(layerTypes, 'wasm');
      if (missing.length > 0) {
        throw new Error(`the tfjs wasm backend cannot train this model: kernel(s) ${missing.join(', ')} not registered; use engine 'cpu' or 'auto'`);
      }
    }
    return 'wasm';
  }
  return purpose === 'train' && missingTrainingKernels(layerTypes, 'wasm').length > 0 ? 'cpu' : 'wasm';
}

/** Makes `engine` the active tfjs backend (initialising it on first use). */
export async function useEngine(engine: TfjsEngine): Promise<void> {
  if (tf.getBackend() === engine) return;
  const ok = await tf.setBackend(engine);
  if (!ok) throw new Error(`tfjs backend ${engine} failed to initialise`);
  await tf.ready();
}
