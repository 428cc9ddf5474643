/** Local file system side of the storage layer: copies that create parents and handle directories. */
import type { Stats } from 'node:fs';
import { cp, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * Where a file named `name` lands when written to `dst`: into it when `dst` is an existing directory
 * (or ends with a separator), else at `dst` itself.
 */
export async function fileTarget(dst: string, name: string, dstSpelledAsDir = false): Promise<string> {
  const info = await statOrUndefined(dst);
  if (info?.isDirectory() || dstSpelledAsDir) return path.join(dst, name);
  return dst;
}

/** Copies a file or directory; returns the path written. Copying a path onto itself does nothing. */
export async function copyLocal(src: string, dst: string, dstSpelledAsDir = false): Promise<string> {
  const info = await stat(src);
  if (info.isDirectory()) {
    if (path.resolve(src) === path.resolve(dst)) return dst;
    await mkdir(dst, { recursive: true });
    await cp(src, dst, { recursive: true, force: true });
    return dst;
  }
  const target = await fileTarget(dst, path.basename(src), dstSpelledAsDir);
  if (path.resolve(src) === path.resolve(target)) return target;
  await mkdir(path.dirname(target), { recursive: true });
  await cp(src, target, { force: true });
  return target;
}

export async function writeLocal(file: string, data: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
}
