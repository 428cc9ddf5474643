import { constants as fsConstants, promises as fs, realpathSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError } from './dataset-error.js';

/**
 * Where datasets may live. Every dataset file must be inside one of `roots`, both as written and after
 * following symlinks; a relative url is taken relative to `baseDir` (default: the first root).
 */
export interface DatasetRoots {
  roots: readonly string[];
  baseDir: string;
}

export function makeRoots(roots: readonly string[], baseDir?: string): DatasetRoots {
  if (roots.length === 0) throw new Error('dataset manager: at least one root folder is required (option roots)');
  const resolved = roots.map((root) => {
    if (!path.isAbsolute(root)) throw new Error(`dataset manager: root "${root}" must be an absolute path`);
    return canonical(root);
  });
  return { roots: resolved, baseDir: baseDir !== undefined ? path.resolve(baseDir) : (resolved[0] as string) };
}

/** Symlinks resolved when the folder exists (so later comparisons with real paths hold), else just normalised. */
function canonical(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/**
 * The local file a dataset url names: a path (absolute, or relative to the base dir) or a `file://` URL.
 * Remote urls throw DatasetError NotImplemented: downloading s3 and http(s) datasets is not implemented yet.
 */
export function resolveDatasetPath(url: string, where: DatasetRoots): string {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  let file: string;
  if (scheme === undefined) {
    file = path.resolve(where.baseDir, url);
  } else if (scheme === 'file') {
    try {
      file = fileURLToPath(url);
    } catch (error) {
      throw new DatasetError('InvalidURL', `dataset url "${url}": not a valid local file:// URL (${(error as Error).message})`, { cause: error });
    }
  } else if (scheme === 's3' || scheme === 'http' || scheme === 'https') {
    throw new DatasetError(
      'NotImplemented',
      `dataset url "${url}": ${scheme}:// datasets are not implemented yet; use a local path or a file:// URL on the dataset's node`,
    );
  } else {
    throw new DatasetError('InvalidURL', `dataset url "${url}": unsupported scheme "${scheme}://" (local paths, file://, s3:// and http(s):// are the known ones)`);
  }
  if (!insideRoots(file, where.roots)) {
    throw new DatasetError('PathOutsideRoots', `dataset url "${url}": ${file} is outside the dataset roots (${where.roots.join(', ')})`);
  }
  return file;
}

/**
 * Reads a dataset file, checking it is still inside the roots once symlinks are followed (a link inside a root
 * must not lead out of it).
 */
export async function readDatasetFile(file: string, where: DatasetRoots): Promise<string> {
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch (error) {
    throw unavailable(file, error);
  }
  if (!insideRoots(real, where.roots)) {
    throw new DatasetError('PathOutsideRoots', `dataset file ${file} leads to ${real}, outside the dataset roots (${where.roots.join(', ')})`);
  }
  // Only a regular file, read through one handle with a bound: a FIFO would stall the read for ever, and a device
  // such as /dev/zero would never end.
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(real, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) throw new DatasetError('FileUnavailable', `dataset file ${file} is not a regular file (${kindOf(info)}); a dataset index must be a regular file`);
    if (info.size > MAX_DATASET_FILE_BYTES) throw new DatasetError('FileUnavailable', `dataset file ${file} is ${info.size} bytes, over the ${MAX_DATASET_FILE_BYTES}-byte limit of an index file`);
    const buffer = Buffer.alloc(Math.min(info.size, MAX_DATASET_FILE_BYTES) + 1);
    let length = 0;
    // A file that grows while it is read is read up to the limit: the next change event reads it again.
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, Math.min(length, MAX_DATASET_FILE_BYTES)).toString('utf8');
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw unavailable(file, error);
  } finally {
    await handle?.close();
  }
}

/** The largest dataset index file read (an index lists sample paths; 256 MiB is millions of lines). */
export const MAX_DATASET_FILE_BYTES = 256 * 1024 * 1024;

function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}

function unavailable(file: string, error: unknown): DatasetError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
  return new DatasetError('FileUnavailable', `dataset file ${file} ${why}`, { cause: error });
}

function insideRoots(file: string, roots: readonly string[]): boolean {
  return roots.some((root) => {
    const relative = path.relative(root, file);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
}
