/**
 * Lifelong learning datasets as CSV indexes (the original's `CSVDataParse` input): a header, one sample per row, a
 * label column, metadata columns that define tasks (a site, a season and city), and the features either as numeric
 * columns (structured data, as in the original's thermal comfort example) or as the path of an image file (binary
 * PGM, see datasources/image-files.ts) whose pixels, scaled to [0, 1], are the features.
 *
 * Relative image paths are resolved against `baseDir`: the LC writes each round's rows to a file in the job's output
 * folder, so workers pass the folder of ORIGINAL_DATASET_URL (see `defaultBaseDir`).
 */
import path from 'node:path';

import { SampleSet, type Attributes } from '../../algorithms/lifelong/sample-set.js';
import type { DataSourceType } from '../../datasources/base.js';
import { parseCsvText, tokenizeCsv } from '../../datasources/csv.js';
import { decodePgm } from '../../datasources/image-files.js';
import { DataParseError, MalformedLines } from '../../datasources/malformed.js';
import { resolveSamplePath } from '../../datasources/txt.js';
import type { Env } from '../../common/config.js';
import { Storage } from '../../storage/storage.js';
import { parseStorageUrl } from '../../storage/url.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface CsvSampleOptions {
  dataType: DataSourceType;
  /** The column with each sample's image file; its pixels are the features. */
  imageColumn?: string;
  /** Numeric feature columns (structured data), instead of an image column. */
  featureColumns?: readonly string[];
  /** The integer label column (default "label"). Test data may lack it; when present its labels are kept. */
  labelColumn?: string;
  /** Metadata columns (default: every column that is not the image, a feature or the label). */
  attributeColumns?: readonly string[];
  /** Folder relative image paths are resolved against (default: the CSV file's folder). */
  baseDir?: string;
  storage?: Storage;
}

/** The folder of ORIGINAL_DATASET_URL, where the dataset's relative sample paths point. */
export function defaultBaseDir(env: Env = process.env): string | undefined {
  const original = env[WORKER_ENV.ORIGINAL_DATASET_URL];
  return original ? path.dirname(original) : undefined;
}

export async function loadCsvSamples(url: string, options: CsvSampleOptions): Promise<SampleSet> {
  if ((options.imageColumn === undefined) === (options.featureColumns === undefined)) {
    throw new Error(`loading ${url}: give exactly one of imageColumn (image files) and featureColumns (numeric columns)`);
  }
  const storage = options.storage ?? new Storage();
  let text: string;
  try {
    text = await storage.readText(url);
  } catch (error) {
    throw new DataParseError(url, undefined, `cannot read the CSV index: ${(error as Error).message}`);
  }
  const labelColumn = options.labelColumn ?? 'label';
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const header = (tokenizeCsv(firstLine, url, new MalformedLines())[0]?.fields ?? []).map((c) => c.trim());
  const hasLabels = header.includes(labelColumn);
  if (!hasLabels && options.dataType !== 'test') throw new DataParseError(url, 1, `label column "${labelColumn}" is not in the header (${header.join(', ')}); ${options.dataType} data needs labels`);
  const source = parseCsvText([{ file: url, text }], { dataType: hasLabels ? 'train' : 'test', ...(hasLabels ? { label: labelColumn } : {}), labels: 'integer' });
  const featureNames = options.imageColumn !== undefined ? [options.imageColumn] : [...(options.featureColumns ?? [])];
  for (const name of featureNames) if (!source.columns.includes(name)) throw new DataParseError(url, 1, `column "${name}" is not in the header (${header.join(', ')})`);
  const attributeColumns = options.attributeColumns ?? source.columns.filter((c) => !featureNames.includes(c));
  for (const name of attributeColumns) if (!source.columns.includes(name)) throw new DataParseError(url, 1, `attribute column "${name}" is not in the header (${header.join(', ')})`);

  const attributes: Attributes[] = source.x.map((row) => Object.fromEntries(attributeColumns.map((c) => [c, (row[c] ?? '').trim()])));
  const labels = hasLabels ? Int32Array.from(source.y as readonly number[]) : undefined;
  if (options.imageColumn !== undefined) {
    const column = options.imageColumn;
    const location = parseStorageUrl(url);
    const base = options.baseDir ?? (location.kind === 'local' ? path.dirname(location.path) : url.slice(0, url.lastIndexOf('/')));
    const ids = source.x.map((row) => resolveAgainst((row[column] ?? '').trim(), base));
    const features = await readImages(ids, source.origins, storage);
    return new SampleSet({ dataType: options.dataType, features, ...(labels ? { labels } : {}), attributes, ids });
  }
  const d = featureNames.length;
  const data = new Float32Array(source.x.length * d);
  source.x.forEach((row, r) => {
    featureNames.forEach((name, c) => {
      const raw = (row[name] ?? '').trim();
      const value = raw === '' ? Number.NaN : Number(raw);
      const origin = source.origins[r];
      if (!Number.isFinite(value)) throw new DataParseError(origin?.file ?? url, origin?.line, `column "${name}": ${JSON.stringify(raw)} is not a number`);
      data[r * d + c] = value;
    });
  });
  const ids = source.origins.map((o) => `${o.file}:${o.line}`);
  return new SampleSet({ dataType: options.dataType, features: { data, shape: [source.x.length, d] }, ...(labels ? { labels } : {}), attributes, ids });
}

/** A sample path relative to `base` (a folder path or a URL); absolute paths and URLs stay as they are. */
function resolveAgainst(samplePath: string, base: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(samplePath) && !path.isAbsolute(samplePath)) {
    return `${base.replace(/\/+$/, '')}/${samplePath}`;
  }
  return resolveSamplePath(samplePath, base);
}

async function readImages(files: readonly string[], origins: readonly { file: string; line: number }[], storage: Storage): Promise<{ data: Float32Array; shape: number[] }> {
  let size: { width: number; height: number } | undefined;
  let data = new Float32Array(0);
  for (let k = 0; k < files.length; k++) {
    const file = files[k] as string;
    const origin = origins[k];
    let bytes: Uint8Array;
    try {
      bytes = await storage.readBytes(file);
    } catch (error) {
      throw new DataParseError(origin?.file ?? file, origin?.line, `cannot read image ${file}: ${(error as Error).message}`);
    }
    const image = decodePgm(bytes, file);
    if (size === undefined) {
      size = { width: image.width, height: image.height };
      data = new Float32Array(files.length * image.width * image.height);
    } else if (image.width !== size.width || image.height !== size.height) {
      throw new DataParseError(origin?.file ?? file, origin?.line, `${file} is ${image.width}×${image.height}, the first image is ${size.width}×${size.height}`);
    }
    const offset = k * image.pixels.length;
    for (let i = 0; i < image.pixels.length; i++) data[offset + i] = (image.pixels[i] as number) / 255;
  }
  return { data, shape: [files.length, (size?.width ?? 0) * (size?.height ?? 0)] };
}
