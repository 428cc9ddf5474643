import { promises as fs, realpathSync } from 'node:fs';
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
  try {
    return await fs.readFile(real, 'utf8');
  } catch (error) {
    throw unavailable(file, error);
  }
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
