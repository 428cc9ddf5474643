/**
 * Where the cloud puts what it learns (the original CloudKnowledgeManagement.save_task_index): every model, sample
 * set and task profile goes to the job's output folder (OUTPUT_URL, local or s3) and, when a knowledge base server
 * is configured, to the KB too; the index then points at the KB's copies, which edge nodes can fetch over HTTP. A
 * failed KB upload falls back to the output folder's copy, as the original did, and is logged.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import { encodeTaskProfile, type TaskProfile } from '../../algorithms/lifelong/task-profile.js';
import type { Storage } from '../../storage/storage.js';
import { parseStorageUrl } from '../../storage/url.js';
import type { Estimator } from '../estimator.js';
import type { KBClient } from './kb-client.js';
import { KB_INDEX_NAME, type KbIndex } from './kb-index.js';
import { encodeSampleSet } from './sample-files.js';

export interface ArtifactStoreOptions {
  /** OUTPUT_URL: a local folder, s3:// or http(s):// prefix. */
  outputUrl: string;
  storage: Storage;
  /** The KB server's client; without it the index points at the output folder. */
  kb?: KBClient;
  log: (line: string) => void;
}

export interface PublishedIndex {
  /** `<OUTPUT_URL>/index.json`: what the worker reports, and the LC deploys. */
  indexUrl: string;
  /** The KB's copy, when a KB recorded it. */
  kbIndexUrl?: string;
}

/** A file or folder name made of safe characters, kept distinct from other names that map to the same text. */
export function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  if (cleaned === name && cleaned !== '') return cleaned;
  let hash = 0;
  for (const char of name) hash = (Math.imul(hash, 31) + (char.codePointAt(0) ?? 0)) >>> 0;
  return `${cleaned || 'task'}-${hash.toString(16)}`;
}

export class ArtifactStore {
  private readonly outputUrl: string;

  constructor(private readonly options: ArtifactStoreOptions) {
    const location = parseStorageUrl(options.outputUrl);
    // Local output paths are made absolute: the index must point at the same files from any working folder.
    this.outputUrl = location.kind === 'local' ? location.path : options.outputUrl.replace(/\/+$/, '');
  }

  outputPath(relative: string): string {
    return parseStorageUrl(this.outputUrl).kind === 'local' ? path.join(this.outputUrl, ...relative.split('/')) : `${this.outputUrl}/${relative}`;
  }

  /** Saves a model into `folder` (relative); returns the URL the index records for it. */
  async saveModel(estimator: Estimator, folder: string): Promise<string> {
    const staging = await mkdtemp(path.join(tmpdir(), 'sedna-ll-model-'));
    try {
      const written = await estimator.save(staging);
      const modelFile = path.relative(staging, written);
      if (modelFile.startsWith('..') || path.isAbsolute(modelFile)) throw new Error(`the estimator saved its model outside the folder it was given (${written})`);
      await this.options.storage.upload(staging, this.outputPath(folder));
      const outputModel = this.outputPath(`${folder}/${modelFile.split(path.sep).join('/')}`);
      if (!this.options.kb) return outputModel;
      try {
        let kbModel = '';
        for (const file of await listFiles(staging)) {
          const relative = path.relative(staging, file).split(path.sep);
          const url = await this.options.kb.uploadFile(file, [folder, ...relative.slice(0, -1)].join('/'));
          if (relative.join('/') === modelFile.split(path.sep).join('/')) kbModel = url;
        }
        return kbModel || outputModel;
      } catch (error) {
        this.options.log(`knowledge base upload of model ${folder} failed, the index points at ${outputModel}: ${(error as Error).message}`);
        return outputModel;
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  saveSamples(samples: SampleSet, file: string): Promise<string> {
    return this.saveText(encodeSampleSet(samples), file);
  }

  saveProfile(profile: TaskProfile, file: string): Promise<string> {
    return this.saveText(encodeTaskProfile(profile), file);
  }

  /** Writes the index to the output folder and records it in the KB. */
  async publishIndex(index: KbIndex): Promise<PublishedIndex> {
    const text = JSON.stringify(index);
    const indexUrl = this.outputPath(KB_INDEX_NAME);
    await this.options.storage.writeText(indexUrl, text);
    if (!this.options.kb) return { indexUrl };
    try {
      return { indexUrl, kbIndexUrl: await this.options.kb.updateDb(text) };
    } catch (error) {
      this.options.log(`the knowledge base did not record the index (${(error as Error).message}); it is in ${indexUrl}`);
      return { indexUrl };
    }
  }

  private async saveText(text: string, file: string): Promise<string> {
    const output = this.outputPath(file);
    await this.options.storage.writeText(output, text);
    if (!this.options.kb) return output;
    try {
      const slash = file.lastIndexOf('/');
      return await this.options.kb.uploadFile({ name: file.slice(slash + 1), data: text }, slash < 0 ? undefined : file.slice(0, slash));
    } catch (error) {
      this.options.log(`knowledge base upload of ${file} failed, the index points at ${output}: ${(error as Error).message}`);
      return output;
    }
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}
