/**
 * Where the edge puts the samples it found unseen, for a person to label (the original saved them under the edge KB
 * and uploaded them to unseen_save_url; the examples mount UT_SAVED_URL). In a local folder:
 *   unseen_samples.csv      one row per sample: the sample (its file, copied next to the index, or its id), its
 *                           attributes, the class the serving model guessed, the score, why it is unseen, when
 *   images/                 copies of sample files (images)
 *   batches/*.samples.json  each batch's samples with their features (what structured samples are labelled from)
 * Appending rows to a remote CSV is not possible, so a remote folder (s3://) gets one CSV per batch instead.
 * A user post-process callback replaces all of this, as the original's `unseen_sample_postprocess` did.
 */
import { appendFile, copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import type { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import type { Storage } from '../../storage/storage.js';
import { parseStorageUrl } from '../../storage/url.js';
import { encodeSampleSet } from './sample-files.js';

export const UNSEEN_INDEX_NAME = 'unseen_samples.csv';

export interface UnseenSampleDetail {
  reason: string;
  score: number;
  nearestTask: string | null;
  /** The class the serving model gave. */
  predicted: number;
}

/** A replacement for the default saving: gets the unseen samples, their details and the save folder. */
export type UnseenSamplePostprocess = (samples: SampleSet, details: readonly UnseenSampleDetail[], saveUrl: string) => void | Promise<void>;

export interface UnseenSampleWriterOptions {
  saveUrl: string;
  storage: Storage;
  postprocess?: UnseenSamplePostprocess;
}

export class UnseenSampleWriter {
  private written = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: UnseenSampleWriterOptions) {}

  /** Samples saved so far by this writer. */
  get count(): number {
    return this.written;
  }

  /** Saves a batch; batches are written one after the other, so the CSV rows never interleave. */
  save(samples: SampleSet, details: readonly UnseenSampleDetail[]): Promise<void> {
    if (samples.size !== details.length) throw new Error(`${samples.size} unseen samples but ${details.length} details`);
    if (samples.size === 0) return Promise.resolve();
    const run = this.chain.then(() => this.write(samples, details));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(samples: SampleSet, details: readonly UnseenSampleDetail[]): Promise<void> {
    const { saveUrl, storage, postprocess } = this.options;
    if (postprocess) {
      await postprocess(samples, details, saveUrl);
      this.written += samples.size;
      return;
    }
    const stamp = `${Date.now()}-${this.written}`;
    const location = parseStorageUrl(saveUrl);
    const local = location.kind === 'local' ? location.path : undefined;
    const base = saveUrl.replace(/\/+$/, '');
    const join = (relative: string): string => (local !== undefined ? path.join(local, relative) : `${base}/${relative}`);
    const indexFile = local !== undefined ? path.join(local, UNSEEN_INDEX_NAME) : undefined;
    const existingHeader = indexFile !== undefined ? await readHeader(indexFile) : undefined;
    const attributeColumns = existingHeader?.slice(1, existingHeader.indexOf('predicted')) ?? [...new Set(samples.attributes.flatMap((a) => Object.keys(a)))].sort();

    await storage.writeText(join(`batches/unseen-${stamp}.samples.json`), encodeSampleSet(samples));
    const rows: string[] = [];
    const detectedAt = new Date().toISOString();
    for (let i = 0; i < samples.size; i++) {
      const id = samples.ids[i] as string;
      let sample = id;
      if (await isLocalFile(id)) {
        const name = `images/${stamp}-${i}-${path.basename(id)}`;
        if (local !== undefined) {
          await mkdir(path.join(local, 'images'), { recursive: true });
          await copyFile(id, path.join(local, name));
        } else {
          await storage.upload(id, join(name));
        }
        sample = name;
      }
      const detail = details[i] as UnseenSampleDetail;
      const attributes = samples.attributes[i] ?? {};
      rows.push(csvRow([sample, ...attributeColumns.map((c) => attributes[c] ?? ''), String(detail.predicted), detail.score.toFixed(4), detail.reason, detail.nearestTask ?? '', detectedAt, id]));
    }
    const header = csvRow(['sample', ...attributeColumns, 'predicted', 'score', 'reason', 'nearest_task', 'detected_at', 'source']);
    if (indexFile !== undefined) {
      await mkdir(path.dirname(indexFile), { recursive: true });
      await appendFile(indexFile, `${existingHeader === undefined ? `${header}\n` : ''}${rows.join('\n')}\n`);
    } else {
      await storage.writeText(join(`unseen-${stamp}.csv`), `${header}\n${rows.join('\n')}\n`);
    }
    this.written += samples.size;
  }
}

async function readHeader(file: string): Promise<string[] | undefined> {
  try {
    const first = (await readFile(file, 'utf8')).split('\n', 1)[0] ?? '';
    return first === '' ? undefined : first.split(',');
  } catch {
    return undefined;
  }
}

async function isLocalFile(id: string): Promise<boolean> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(id) || !path.isAbsolute(id)) return false;
  try {
    return (await stat(id)).isFile();
  } catch {
    return false;
  }
}

function csvRow(fields: readonly string[]): string {
  return fields.map((f) => (/[",\n\r]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',');
}
