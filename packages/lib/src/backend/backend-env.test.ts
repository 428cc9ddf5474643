import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend-env.js';

describe('selectBackend', () => {
  it('defaults to TENSORFLOW on the CPU, as BaseConfig does', () => {
    expect(selectBackend({})).toEqual({ framework: 'tfjs', backendType: 'TENSORFLOW', device: 'CPU' });
  });

  it('upper-cases BACKEND_TYPE and maps it to an implementation', () => {
    expect(selectBackend({ BACKEND_TYPE: 'keras' }).framework).toBe('tfjs');
    expect(selectBackend({ BACKEND_TYPE: 'onnx' }).framework).toBe('onnx');
    expect(selectBackend({ BACKEND_TYPE: 'Mlp', DEVICE_CATEGORY: 'cpu' }).framework).toBe('mlp');
  });

  it('says clearly that torch and unknown types cannot run', () => {
    expect(() => selectBackend({ BACKEND_TYPE: 'TORCH' })).toThrow(/BACKEND_TYPE=TORCH has no engine in the TypeScript lib/);
    expect(() => selectBackend({ BACKEND_TYPE: 'caffe' })).toThrow(/BACKEND_TYPE must be one of/);
  });

  it('refuses a GPU request, whether by DEVICE_CATEGORY or CUDA_VISIBLE_DEVICES', () => {
    expect(() => selectBackend({ DEVICE_CATEGORY: 'GPU' })).toThrow(/no GPU is available/);
    expect(() => selectBackend({ CUDA_VISIBLE_DEVICES: '0' })).toThrow(/CUDA_VISIBLE_DEVICES is set/);
    expect(selectBackend({ CUDA_VISIBLE_DEVICES: '' }).device).toBe('CPU');
    expect(selectBackend({ CUDA_VISIBLE_DEVICES: '-1' }).device).toBe('CPU');
    expect(() => selectBackend({ DEVICE_CATEGORY: 'TPU' })).toThrow(/DEVICE_CATEGORY must be/);
  });
});
