/**
 * A tfjs layers model on disk: a directory with model.json (topology + weights manifest) and weights.bin, the
 * format tf.loadLayersModel reads. The model URL is either the directory or the model.json inside it; remote
 * URLs go through the injectable storage of ../model-location.ts. No network access happens here.
 */
import type * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Staging, fetchModelFile, isRemoteUrl, joinUrl, localPathOf, makeStaging, publishModelFile } from '../model-location.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** Splits a model URL into its directory URL and the name of its JSON file. */
export function modelJsonLocation(url: string): { dirUrl: string; jsonName: string } {
  const trimmed = url.replace(/\/+$/, '');
  if (trimmed.endsWith('.json')) {
    const cut = trimmed.lastIndexOf('/');
    return cut < 0 ? { dirUrl: '.', jsonName: trimmed } : { dirUrl: trimmed.slice(0, cut) || '/', jsonName: trimmed.slice(cut + 1) };
  }
  return { dirUrl: trimmed, jsonName: MODEL_JSON };
}

function concatBuffers(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/** Writes tfjs model artifacts to a directory URL (or its model.json URL); returns the model.json URL. */
export async function writeModelArtifacts(artifacts: tf.io.ModelArtifacts, url: string): Promise<string> {
  const { dirUrl, jsonName } = modelJsonLocation(url);
  const json: ModelJson = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? 'sedna-lib',
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
  const weights = concatBuffers(artifacts.weightData);
  const remote = isRemoteUrl(dirUrl);
  let staging: Staging | undefined;
  try {
    const localDir = remote ? (staging = await makeStaging()).dir : localPathOf(dirUrl);
    await mkdir(localDir, { recursive: true });
    const weightsPath = join(localDir, WEIGHTS_BIN);
    const jsonPath = join(localDir, jsonName);
    await writeFile(weightsPath, weights);
    await writeFile(jsonPath, JSON.stringify(json));
    // weights first, so a reader that sees the new model.json also finds its weights
    await publishModelFile(weightsPath, joinUrl(dirUrl, WEIGHTS_BIN));
    await publishModelFile(jsonPath, joinUrl(dirUrl, jsonName));
  } finally {
    await staging?.remove();
  }
  return joinUrl(dirUrl, jsonName);
}

function parseModelJson(text: string, where: string): ModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const m = json as Partial<ModelJson> | null;
  if (typeof m !== 'object' || m === null || m.modelTopology === undefined) throw new Error(`${where} has no modelTopology: not a tfjs layers model`);
  if (!Array.isArray(m.weightsManifest)) throw new Error(`${where} has no weightsManifest array`);
  for (const group of m.weightsManifest) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new Error(`${where}: every weightsManifest group needs paths and weights`);
    for (const p of group.paths) {
      if (typeof p !== 'string' || p.includes('..') || p.startsWith('/') || p.includes('://')) {
        throw new Error(`${where}: weights path ${JSON.stringify(p)} must be a plain file name next to the model.json`);
      }
    }
  }
  return m as ModelJson;
}

/** Reads model.json and its weight files from a directory URL (or its model.json URL). */
export async function readModelArtifacts(url: string): Promise<tf.io.ModelArtifacts> {
  const { dirUrl, jsonName } = modelJsonLocation(url);
  let staging: Staging | undefined;
  const getStaging = async (): Promise<Staging> => (staging ??= await makeStaging());
  try {
    const jsonUrl = joinUrl(dirUrl, jsonName);
    const jsonPath = await fetchModelFile(jsonUrl, getStaging, basename(jsonName));
    let text: string;
    try {
      text = await readFile(jsonPath, 'utf8');
    } catch (e) {
      throw new Error(`cannot read model ${jsonUrl}: ${(e as Error).message}`, { cause: e });
    }
    const json = parseModelJson(text, jsonUrl);
    const weightSpecs: tf.io.WeightsManifestEntry[] = [];
    const buffers: Uint8Array[] = [];
    for (const group of json.weightsManifest) {
      weightSpecs.push(...group.weights);
      for (const p of group.paths) {
        const fileUrl = joinUrl(dirUrl, p);
        const local = isRemoteUrl(fileUrl) ? await fetchModelFile(fileUrl, getStaging, basename(p)) : join(dirname(jsonPath), p);
        try {
          buffers.push(await readFile(local));
        } catch (e) {
          throw new Error(`cannot read weights ${fileUrl} of model ${jsonUrl}: ${(e as Error).message}`, { cause: e });
        }
      }
    }
    // One weights file (what tfjs and this lib write) is used as read, without copying it twice more.
    const only = buffers.length === 1 ? (buffers[0] as Uint8Array) : undefined;
    const weightData =
      only !== undefined && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength
        ? (only.buffer as ArrayBuffer)
        : (concatBuffers(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)).buffer as ArrayBuffer);
    return {
      modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs,
      weightData,
      ...(json.format !== undefined ? { format: json.format } : {}),
      ...(json.generatedBy !== undefined ? { generatedBy: json.generatedBy } : {}),
      ...(json.userDefinedMetadata !== undefined ? { userDefinedMetadata: json.userDefinedMetadata as Record<string, object> } : {}),
    };
  } finally {
    await staging?.remove();
  }
}
