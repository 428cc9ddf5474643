/**
 * BACKEND_TYPE and DEVICE_CATEGORY, read as Sedna's set_backend reads them (lib-api-part-a §13): the type is
 * upper-cased; CUDA_VISIBLE_DEVICES, when set, means DEVICE_CATEGORY=GPU. The TypeScript lib runs on the CPU
 * only, so a GPU request is an error that says so rather than a silent fallback.
 */
import { WORKER_ENV } from '@sedna/api/contracts';

/** The estimator implementations this lib has. */
export type BackendFramework = 'tfjs' | 'onnx' | 'mlp';
export type DeviceCategory = 'CPU' | 'GPU' | 'NPU';

export interface BackendSelection {
  framework: BackendFramework;
  /** The BACKEND_TYPE value it came from (upper-cased), for messages. */
  backendType: string;
  device: 'CPU';
}

/** BACKEND_TYPE values and the implementation each maps to. */
export const BACKEND_TYPES: Readonly<Record<string, BackendFramework>> = {
  TENSORFLOW: 'tfjs',
  KERAS: 'tfjs',
  TFJS: 'tfjs',
  ONNX: 'onnx',
  MLP: 'mlp',
};

/** Types the Python Sedna accepts that have no engine in TypeScript. */
const UNAVAILABLE_TYPES = ['TORCH', 'PYTORCH', 'MINDSPORE', 'PADDLE'];

/** Original default (BaseConfig.backend_type). */
export const DEFAULT_BACKEND_TYPE = 'TENSORFLOW';

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

function deviceFromEnv(env: Readonly<Record<string, string | undefined>>): DeviceCategory {
  const cuda = env[WORKER_ENV.CUDA_VISIBLE_DEVICES];
  // As in the original, a set CUDA_VISIBLE_DEVICES asks for the GPU; an empty value or -1 is the usual way to hide GPUs.
  if (cuda !== undefined && cuda.trim() !== '' && cuda.trim() !== '-1') return 'GPU';
  const raw = (env[WORKER_ENV.DEVICE_CATEGORY] ?? 'CPU').trim().toUpperCase() || 'CPU';
  if (raw !== 'CPU' && raw !== 'GPU' && raw !== 'NPU') {
    throw new RangeError(`DEVICE_CATEGORY must be CPU, GPU or NPU, got ${JSON.stringify(env[WORKER_ENV.DEVICE_CATEGORY])}`);
  }
  return raw;
}

/** Resolves which estimator implementation the environment asks for; throws a clear error for what cannot run here. */
export function selectBackend(env: Readonly<Record<string, string | undefined>> = process.env): BackendSelection {
  const backendType = (env[WORKER_ENV.BACKEND_TYPE] ?? DEFAULT_BACKEND_TYPE).trim().toUpperCase() || DEFAULT_BACKEND_TYPE;
  const framework = BACKEND_TYPES[backendType];
  if (framework === undefined) {
    const known = Object.keys(BACKEND_TYPES).join(', ');
    if (UNAVAILABLE_TYPES.includes(backendType)) {
      throw new BackendUnavailableError(`BACKEND_TYPE=${backendType} has no engine in the TypeScript lib; use one of ${known}`);
    }
    throw new RangeError(`BACKEND_TYPE must be one of ${known}, got ${JSON.stringify(env[WORKER_ENV.BACKEND_TYPE])}`);
  }
  const device = deviceFromEnv(env);
  if (device !== 'CPU') {
    const why = env[WORKER_ENV.CUDA_VISIBLE_DEVICES] !== undefined && device === 'GPU' ? 'CUDA_VISIBLE_DEVICES is set' : `DEVICE_CATEGORY=${device}`;
    throw new BackendUnavailableError(
      `${why}, but no ${device} is available to the TypeScript lib: TensorFlow.js runs on wasm/cpu here (tfjs-node-gpu cannot be installed) ` +
        `and ONNX Runtime ships its CPU provider only. Set DEVICE_CATEGORY=CPU (and unset CUDA_VISIBLE_DEVICES).`,
    );
  }
  return { framework, backendType, device };
}
