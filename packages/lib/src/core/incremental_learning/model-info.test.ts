import { describe, expect, it } from 'vitest';
import { classificationReport } from './classification-report.js';
import { encodeSample } from './hard-examples.js';
import { probabilities } from './incremental-learning.js';
import { modelFormatOf, modelResult, withoutPathPrefix } from './model-info.js';

describe('model results', () => {
  it.each([
    ['/out/train/1/model.json', 'tfjs'],
    ['/out/train/1/model.onnx', 'onnx'],
    ['s3://bucket/m/saved_model.PB', 'pb'],
    ['/models/base_model', 'dir'],
    ['/models/base_model/', 'dir'],
  ])('%s has format %s', (url, format) => expect(modelFormatOf(url)).toBe(format));

  it('takes DATA_PATH_PREFIX off local urls only', () => {
    expect(withoutPathPrefix('/home/data/output/m.onnx', '/home/data')).toBe('/output/m.onnx');
    expect(withoutPathPrefix('/home/database/m.onnx', '/home/data')).toBe('/home/database/m.onnx');
    expect(withoutPathPrefix('s3://b/home/data/m', '/home/data')).toBe('s3://b/home/data/m');
    expect(modelResult('/home/data/o/model.json', { accuracy: 0.5 }, '/home/data/')).toEqual({ format: 'tfjs', url: '/o/model.json', metrics: { accuracy: 0.5 } });
    expect(modelResult('/o/m.onnx', {}, undefined, 'custom')).toEqual({ format: 'custom', url: '/o/m.onnx' });
  });
});

describe('classificationReport', () => {
  it('gives accuracy and per-class precision and recall', () => {
    // predictions: 0, 1, 1, 2 ; labels: 0, 1, 2, 2
    const predictions = { data: Float32Array.from([0.9, 0.1, 0, 0, 1, 0, 0.2, 0.7, 0.1, 0, 0, 5]), shape: [4, 3] };
    expect(classificationReport(predictions, [0, 1, 2, 2])).toEqual({ accuracy: 0.75, precision: [1, 0.5, 1], recall: [1, 1, 0.5] });
    expect(() => classificationReport(predictions, [0, 1, 3, 2])).toThrow('label 3 of sample 2 is not a class of 0..2');
  });
});

describe('mining input and sample files', () => {
  it('takes a distribution as it is and softmaxes logits', () => {
    expect(Array.from(probabilities({ data: Float32Array.from([0.25, 0.75]), shape: [1, 2] }))).toEqual([0.25, 0.75]);
    const p = probabilities({ data: Float32Array.from([0, Math.log(3)]), shape: [1, 2] });
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
  });

  it('writes grey images as PGM and other samples as JSON', () => {
    expect(encodeSample({ data: new Float32Array(16).fill(1), shape: [1, 16] }).extension).toBe('pgm');
    expect(encodeSample({ data: new Float32Array(6), shape: [1, 2, 3, 1] }).extension).toBe('pgm');
    expect(encodeSample({ data: new Float32Array(6).fill(3), shape: [1, 2, 3] }).extension).toBe('json');
    expect(encodeSample({ data: new Float32Array(6), shape: [1, 6] }).extension).toBe('json');
  });
});
