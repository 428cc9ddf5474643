/**
 * Model files the manager moves on deploy: the trained model copied over the deploy model (cold update), or into
 * the hot-update folder with a new `model_config.json` (hot update, reference §3.8).
 *
 * A model is a file (an .onnx, a .pb...), a folder, or a TensorFlow.js `model.json` whose weight files sit next
 * to it (the lib's tfjs and mlp estimators save that); copying a model.json copies the weight files its manifest
 * names too. Every copy lands under a temporary name and is renamed into place, so a worker never loads half a
 * model.
 */
import { copyFile, cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeLines } from './round-files.js';

/** Where the GM mounts the host's hot-update folder in the inference worker (reference §3.8). */
export const HOT_UPDATE_CONTAINER_DIR = '/model-hot-update';
/** Model copies kept in the hot-update folder: the serving one and the one before, in case a load is still going on. */
export const HOT_UPDATE_KEEP = 2;

let sequence = 0;
function temporaryName(file: string): string {
  sequence += 1;
  return `${file}.${process.pid}.${sequence}.tmp`;
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}

/** The weight files a tfjs model.json names, or undefined when the file is not one. */
async function tfjsWeightFiles(file: string): Promise<string[] | undefined> {
  if (!file.toLowerCase().endsWith('.json')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) return undefined;
  const files: string[] = [];
  for (const group of manifest) {
    const paths: unknown = (group as { paths?: unknown } | null)?.paths;
    for (const p of Array.isArray(paths) ? paths : []) {
      if (typeof p !== 'string' || p.includes('/') || p.includes('\\') || p === '..' || p === '.') {
        throw new Error(`model ${file}: weights path ${JSON.stringify(p)} must be a plain file name next to the model.json`);
      }
      files.push(p);
    }
  }
  return files;
}

async function copyFileAtomically(src: string, dst: string): Promise<void> {
  await mkdir(path.dirname(dst), { recursive: true });
  const temporary = temporaryName(dst);
  try {
    await copyFile(src, temporary);
    await rename(temporary, dst);
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Copies the model at `src` to `dst` (both local paths); returns the path of the copy. When `dst` is an existing
 * folder and `src` a file, the file keeps its name inside it.
 */
export async function copyModel(src: string, dst: string): Promise<string> {
  let source;
  try {
    source = await stat(src);
  } catch (error) {
    throw new Error(`model ${src} cannot be read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}`, { cause: error });
  }
  if (source.isDirectory()) {
    await mkdir(path.dirname(dst), { recursive: true });
    const temporary = temporaryName(dst);
    const retired = temporaryName(dst);
    try {
      await cp(src, temporary, { recursive: true });
      if (await isDirectory(dst)) await rename(dst, retired);
      await rename(temporary, dst);
    } finally {
      await rm(temporary, { recursive: true, force: true });
      await rm(retired, { recursive: true, force: true });
    }
    return dst;
  }
  const target = (await isDirectory(dst)) ? path.join(dst, path.basename(src)) : dst;
  const weights = await tfjsWeightFiles(src);
  // Weights first: a reader that sees the new model.json finds its weights.
  for (const file of weights ?? []) await copyFileAtomically(path.join(path.dirname(src), file), path.join(path.dirname(target), file));
  await copyFileAtomically(src, target);
  return target;
}

export interface HotUpdateRequest {
  /** Local path of model_config.json (the annotation's host path, through the LC's prefix). */
  configFile: string;
  /** Local path of the trained model. */
  model: string;
  now: Date;
}

export interface HotUpdatePublished {
  /** The model path written into the config, as the worker sees it (under /model-hot-update). */
  modelPath: string;
  /** Where the copy is on this host. */
  localModel: string;
  version: string;
}

/**
 * Copies the model into `<config folder>/models/<version>/` and rewrites model_config.json to point at it:
 * `{"model_config": {"model_path": "/model-hot-update/models/<version>/<name>", "model_update_time": "<ISO time>"}}`.
 * Each deployment gets its own folder (the original overwrote one file, which a worker might be reading), and
 * only the newest HOT_UPDATE_KEEP copies are kept.
 */
export async function publishHotUpdate(request: HotUpdateRequest): Promise<HotUpdatePublished> {
  const configDir = path.dirname(request.configFile);
  const version = request.now.toISOString();
  const folder = `v${request.now.getTime()}`;
  const name = path.basename(request.model);
  const localModel = await copyModel(request.model, path.join(configDir, 'models', folder, name));
  const modelPath = path.posix.join(HOT_UPDATE_CONTAINER_DIR, 'models', folder, path.basename(localModel));
  const config = { model_config: { model_path: modelPath, model_update_time: version } };
  await writeLines(request.configFile, [JSON.stringify(config, null, 1)]);
  await pruneHotUpdateCopies(path.join(configDir, 'models'), folder);
  return { modelPath, localModel, version };
}

async function pruneHotUpdateCopies(modelsDir: string, current: string): Promise<void> {
  const folders = (await readdir(modelsDir)).filter((name) => /^v\d+$/.test(name)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const keep = new Set([...folders.slice(-HOT_UPDATE_KEEP), current]);
  for (const folder of folders) if (!keep.has(folder)) await rm(path.join(modelsDir, folder), { recursive: true, force: true });
}
