/**
 * The `results` entry of a worker report for one model (the original's `model_info`): `{format, url, metrics}`,
 * with the container's data path prefix taken off the url so the LC and GM see host paths.
 */
import path from 'node:path';
import type { ModelResult } from '../../reporter/message.js';

/**
 * The format of a saved model, from its url: the file extension as the original (`.onnx` gives `onnx`), except
 * a TensorFlow.js `model.json` (a layers-model folder, what the lib's tfjs and mlp estimators save), which is
 * `tfjs`. A url without an extension (a folder) is `dir`. Model CRs of a job should use the same names: the LC
 * picks trained models by format.
 */
export function modelFormatOf(url: string): string {
  const name = url.replace(/[?#].*$/, '').replace(/\/+$/, '').split('/').pop() ?? '';
  if (name.toLowerCase() === 'model.json') return 'tfjs';
  const ext = path.extname(name).slice(1).toLowerCase();
  return ext === '' ? 'dir' : ext;
}

/** Takes `prefix` (DATA_PATH_PREFIX, where the host's files are mounted in a container) off the url, if there. */
export function withoutPathPrefix(url: string, prefix: string | undefined): string {
  if (!prefix || prefix === '/' || !path.isAbsolute(url)) return url;
  const base = prefix.replace(/\/+$/, '');
  return url.startsWith(`${base}/`) ? url.slice(base.length) : url;
}

export type ReportedMetrics = Record<string, number | number[]>;

export function modelResult(url: string, metrics: ReportedMetrics | undefined, dataPathPrefix?: string, format?: string): ModelResult {
  return { format: format ?? modelFormatOf(url), url: withoutPathPrefix(url, dataPathPrefix), ...(metrics && Object.keys(metrics).length > 0 ? { metrics } : {}) };
}
