/**
 * update_service, the original's `update_operational_mode` (POST /<service>/update_service): what changes in a
 * running service, in the message header's `extra` (the original pickled a free-form status object):
 * - `model_url`: a new model, loaded beside the serving one and swapped in while requests keep being served (a
 *   request in flight finishes on the model it started with); when loading fails the old model keeps serving;
 * - `op_mode`: `tracking` or `detection` (video analytics);
 * - query images as `crop` attachments, with `userID`: the user's new targets (ReID: the original's
 *   update_plugin/update_target pair).
 * `model_version` names the new model (default: the time of the update), as the hot update's model_update_time.
 */
import type { Estimator } from '../estimator.js';
import type { SwappableModel } from '../../hotupdate/swappable-model.js';
import { cropAttachment, cropsOf, WireError, type Crop, type DetTrackMessage } from './wire.js';

export const OP_MODES = ['tracking', 'detection'] as const;
export type OpMode = (typeof OP_MODES)[number];

export interface ServiceUpdate {
  model_url?: string;
  model_version?: string;
  op_mode?: OpMode;
  /** Query images (ReID targets). */
  queries?: Crop[];
  userID?: string;
}

/** The update_service message for `update`. */
export function serviceUpdateMessage(update: ServiceUpdate, sender = 'user'): DetTrackMessage {
  const crops = (update.queries ?? []).map((c, i) => cropAttachment(`query-${i}`, c));
  const extra: Record<string, unknown> = {};
  if (update.model_url !== undefined) extra['model_url'] = update.model_url;
  if (update.model_version !== undefined) extra['model_version'] = update.model_version;
  if (update.op_mode !== undefined) extra['op_mode'] = update.op_mode;
  return {
    header: {
      camera: sender,
      frame_index: 0,
      detection_time: new Date().toISOString(),
      ...(update.userID !== undefined ? { userID: update.userID } : {}),
      bbox_coord: crops.map((c) => [0, 0, c.info.width!, c.info.height!]),
      confidence: crops.map(() => 1),
      tracklets: crops.map(() => -1),
      attachments: crops.map((c) => c.info),
      extra,
    },
    attachments: crops.map((c) => c.bytes),
  };
}

/** What an update_service message asks for; a WireError naming the field when it is malformed or empty. */
export function serviceUpdateOf(message: DetTrackMessage): ServiceUpdate {
  const extra = message.header.extra ?? {};
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new WireError('update_service: header field extra must be an object');
  const update: ServiceUpdate = {};
  const { model_url: modelUrl, model_version: modelVersion, op_mode: opMode } = extra as Record<string, unknown>;
  if (modelUrl !== undefined) {
    if (typeof modelUrl !== 'string' || modelUrl.trim() === '') throw new WireError(`update_service: extra.model_url must be a non-empty string; got ${JSON.stringify(modelUrl)}`);
    update.model_url = modelUrl;
  }
  if (modelVersion !== undefined) {
    if (typeof modelVersion !== 'string' || modelVersion === '') throw new WireError(`update_service: extra.model_version must be a non-empty string; got ${JSON.stringify(modelVersion)}`);
    update.model_version = modelVersion;
  }
  if (opMode !== undefined) {
    if (!(OP_MODES as readonly unknown[]).includes(opMode)) throw new WireError(`update_service: extra.op_mode must be one of ${OP_MODES.join(', ')}; got ${JSON.stringify(opMode)}`);
    update.op_mode = opMode as OpMode;
  }
  const queries = cropsOf(message);
  if (queries.length > 0) update.queries = queries;
  if (message.header.userID !== undefined) update.userID = message.header.userID;
  if (update.model_url === undefined && update.op_mode === undefined && !update.queries) throw new WireError('update_service: nothing to update: give extra.model_url, extra.op_mode or query images');
  return update;
}

/**
 * Loads the model at `url` (what Estimator.load takes: a local path, file://, s3:// or http(s)://) into a fresh
 * estimator and swaps it in. Throws, the serving model untouched, when it cannot be loaded. Returns the new version.
 */
export async function swapModel<E extends Estimator>(model: SwappableModel<E>, url: string, create: () => E, version = new Date().toISOString()): Promise<string> {
  const fresh = create();
  try {
    await fresh.load(url);
  } catch (err) {
    try {
      fresh.dispose?.();
    } catch {
      // the load error is the one worth telling
    }
    throw new Error(`cannot load the model at ${url}: ${(err as Error).message}; the previous model keeps serving`, { cause: err });
  }
  model.swap(fresh, version);
  return version;
}
