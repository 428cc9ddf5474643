/**
 * Hot model update settings and the config file the LC writes (sedna-reference §3.8):
 * `{"model_config": {"model_path": "...", "model_update_time": "..."}}` at MODEL_HOT_UPDATE_CONFIG.
 * A new model_update_time means a new model to load.
 */
import path from 'node:path';

import type { Env } from '../common/config.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface HotUpdateConfig {
  readonly modelPath: string;
  /** Opaque version: the LC writes Go's time.Now().String(). */
  readonly modelUpdateTime: string;
}

export const DEFAULT_POLL_PERIOD_SECONDS = 60;

/** Parses the config JSON; `source` names the file in errors. */
export function parseHotUpdateConfig(text: string, source: string): HotUpdateConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: hot update config is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const config = isRecord(doc) ? doc.model_config : undefined;
  if (!isRecord(config)) throw new Error(`${source}: hot update config needs an object "model_config"`);
  const modelPath = config.model_path;
  if (typeof modelPath !== 'string' || modelPath.trim() === '') {
    throw new Error(`${source}: model_config.model_path must be a non-empty string; got ${JSON.stringify(modelPath)}`);
  }
  const updateTime = config.model_update_time;
  if ((typeof updateTime !== 'string' || updateTime === '') && typeof updateTime !== 'number') {
    throw new Error(`${source}: model_config.model_update_time must be a non-empty string; got ${JSON.stringify(updateTime)}`);
  }
  return { modelPath, modelUpdateTime: String(updateTime) };
}

/** MODEL_POLL_PERIOD_SECONDS: below 1 or not a number falls back to 60, as the original. */
export function pollPeriodSeconds(value: string | undefined): number {
  const seconds = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(seconds) && seconds >= 1 ? seconds : DEFAULT_POLL_PERIOD_SECONDS;
}

export type HotUpdateSettings =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly configUrl: string; readonly pollPeriodSeconds: number };

/** MODEL_HOT_UPDATE ("true" in any case enables), MODEL_HOT_UPDATE_CONFIG and MODEL_POLL_PERIOD_SECONDS. */
export function hotUpdateSettingsFromEnv(env: Env = process.env): HotUpdateSettings {
  if ((env[WORKER_ENV.MODEL_HOT_UPDATE] ?? '').trim().toLowerCase() !== 'true') return { enabled: false };
  const configUrl = env[WORKER_ENV.MODEL_HOT_UPDATE_CONFIG] ?? '';
  if (configUrl.trim() === '') throw new Error('MODEL_HOT_UPDATE is true but MODEL_HOT_UPDATE_CONFIG is not set');
  return { enabled: true, configUrl, pollPeriodSeconds: pollPeriodSeconds(env[WORKER_ENV.MODEL_POLL_PERIOD_SECONDS]) };
}

/** The folder the GM mounts the host's hot-update folder at, in a container. */
export const HOT_UPDATE_MOUNT = '/model-hot-update';

/**
 * Where to load the model from. A relative model_path is relative to the config file's folder. A
 * path under the container mount (/model-hot-update/...) is mapped into the config's folder when the
 * config is a local file outside that mount: that is the embedded mode, where workers run as host
 * processes without the volume mount, and the LC's folder holds both files.
 */
export function resolveModelPath(modelPath: string, configPath: string | undefined, pathExists: (p: string) => boolean): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(modelPath)) return modelPath;
  if (configPath === undefined) return modelPath;
  const configDir = path.dirname(configPath);
  if (!path.isAbsolute(modelPath)) return path.resolve(configDir, modelPath);
  const mountPrefix = HOT_UPDATE_MOUNT + '/';
  if (modelPath.startsWith(mountPrefix) && !configDir.startsWith(HOT_UPDATE_MOUNT) && !pathExists(modelPath)) {
    return path.join(configDir, modelPath.slice(mountPrefix.length));
  }
  return modelPath;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
