/**
 * Makes the test environment's dataset available. Without dataset_url the index files must exist. With it:
 *
 * 1. `<dataset_path>/.ianvs-dataset.json` records the same URL and checksum: nothing to do (the cache hit).
 * 2. The archive comes from the download cache (`$SEDNA_BENCHMARK_CACHE`, default ~/.cache/sedna-benchmark),
 *    keyed by URL and checksum, or is downloaded there through a `.part` file (resumed when the server can),
 *    from the URL and then each mirror, and verified against `sha256` before it enters the cache.
 * 3. It is extracted into a fresh folder beside `dataset_path`, index files are generated when the archive has
 *    none, and the folder is renamed into place: nothing half-extracted is ever at `dataset_path`.
 */
import { createHash } from 'node:crypto';
import { cpSync, createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetConfig, DownloadConfig } from '../config/testenv.js';
import { detectFormat, extractTarGz, extractZip } from './archive.js';
import { DiskFullError, fetchToFile } from './fetch.js';
import { generateIndexes } from './idx-index.js';

export const MARKER = '.ianvs-dataset.json';

export interface PrepareOptions {
  log: (line: string) => void;
  cacheDir?: string;
}

export interface PrepareStats {
  cacheHit: boolean;
  downloadedBytes: number;
  downloadSeconds: number;
}

export function cacheRoot(): string {
  return process.env.SEDNA_BENCHMARK_CACHE ?? join(homedir(), '.cache', 'sedna-benchmark');
}

export async function prepareDataset(dataset: DatasetConfig, options: PrepareOptions, stats?: PrepareStats): Promise<DatasetConfig> {
  const d = dataset.download;
  if (d) await ensureDownloaded(d, dataset, options, stats);
  for (const [file, field] of [[dataset.trainIndex, 'train_index'], [dataset.testIndex, 'test_index']] as const) {
    if (file && !existsSync(file)) throw new Error(`testenv.dataset.${field}: ${file} does not exist${d ? ` in the dataset from ${d.url}` : ''}`);
  }
  return dataset;
}

function sameMarker(d: DownloadConfig): boolean {
  try {
    const m = JSON.parse(readFileSync(join(d.path, MARKER), 'utf8')) as { url?: string; sha256?: string | null };
    return m.url === d.url && (m.sha256 ?? undefined) === d.sha256;
  } catch {
    return false;
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function ensureDownloaded(d: DownloadConfig, dataset: DatasetConfig, options: PrepareOptions, stats?: PrepareStats): Promise<void> {
  const { log } = options;
  if (sameMarker(d)) {
    log(`dataset ${d.url}: already in ${d.path}`);
    if (stats) stats.cacheHit = true;
    return;
  }
  let source: string;
  if (d.format === 'dir' || (d.url.startsWith('file://') && existsSync(fileURLToPath(d.url)) && statSync(fileURLToPath(d.url)).isDirectory())) {
    source = fileURLToPath(d.url);
  } else {
    source = await cachedArchive(d, options, stats);
  }
  const staging = `${d.path}.extracting-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    if (statSync(source).isDirectory()) {
      log(`copying ${source} into ${d.path}`);
      cpSync(source, staging, { recursive: true });
    } else {
      const bytes = readFileSync(source);
      const name = basename(d.url.replace(/[?#].*$/, ''));
      const format = d.format && d.format !== 'idx-gz' ? d.format : detectFormat(bytes, name);
      log(`extracting ${name} (${format}) into ${d.path}`);
      if (format === 'zip') extractZip(bytes, staging, name);
      else if (format === 'tar.gz') extractTarGz(bytes, staging, name);
      else writeFileSync(join(staging, name), bytes);
    }
    const wanted = {
      train: relativeIndex(dataset.trainIndexRaw, 'train_index.txt'),
      test: relativeIndex(dataset.testIndexRaw, 'test_index.txt'),
    };
    await generateIndexes(staging, wanted, /fashion/i.test(d.url) || /fashion/i.test(d.path), log);
    writeFileSync(join(staging, MARKER), JSON.stringify({ url: d.url, sha256: d.sha256 ?? null, prepared: new Date().toISOString() }, null, 1));
    // Swap the finished folder in: the old one (a different URL or checksum) goes only after the new one is there.
    mkdirSync(dirname(d.path), { recursive: true });
    const old = `${d.path}.old-${process.pid}`;
    if (existsSync(d.path)) renameSync(d.path, old);
    renameSync(staging, d.path);
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC') throw new DiskFullError(`the disk is full while extracting into ${d.path}; nothing was left behind`);
    throw err;
  }
  // Index paths the testenv gave relative to the dataset resolve inside it now.
  if (!dataset.trainIndex) dataset.trainIndex = join(d.path, 'train_index.txt');
  if (!dataset.testIndex && existsSync(join(d.path, 'test_index.txt'))) dataset.testIndex = join(d.path, 'test_index.txt');
}

function relativeIndex(raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw.startsWith('/') || raw.startsWith('file://')) return fallback;
  return raw.replace(/^\.\//, '');
}

/** The verified archive in the cache, downloading it first when it is not there. */
async function cachedArchive(d: DownloadConfig, options: PrepareOptions, stats?: PrepareStats): Promise<string> {
  const key = createHash('sha256').update(`${d.url}\n${d.sha256 ?? ''}`).digest('hex').slice(0, 32);
  const dir = join(options.cacheDir ?? cacheRoot(), 'downloads', key);
  const archive = join(dir, 'archive');
  if (existsSync(archive)) {
    options.log(`dataset ${d.url}: using the cached download ${archive}`);
    return archive;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'url.txt'), `${d.url}\n`);
  const errors: string[] = [];
  for (const url of [d.url, ...d.mirrors]) {
    try {
      const got = await fetchToFile(url, `${archive}.unverified`, { log: options.log });
      if (stats) {
        stats.downloadedBytes += got.bytes - got.resumedFrom;
        stats.downloadSeconds += got.seconds;
      }
      if (d.sha256) {
        const actual = await sha256File(`${archive}.unverified`);
        if (actual !== d.sha256) {
          rmSync(`${archive}.unverified`, { force: true });
          throw new Error(`sha256 mismatch: expected ${d.sha256}, got ${actual} (the download was removed)`);
        }
      }
      renameSync(`${archive}.unverified`, archive);
      return archive;
    } catch (err) {
      if (err instanceof DiskFullError) throw err;
      errors.push(`${url}: ${(err as Error).message}`);
      options.log(`download failed: ${url}: ${(err as Error).message}`);
    }
  }
  throw new Error(
    `testenv.dataset.dataset_url: could not fetch the dataset (${errors.join('; ')}). ` +
      `Fetch ${d.url} yourself and put it at ${archive} (it is then used as is), or extract it into ${d.path} and remove dataset_url.`,
  );
}
