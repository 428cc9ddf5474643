/**
 * The knowledge base's file folder (KnowledgeBasePath): models, sample sets, task profiles and the index. Every name
 * a client gives is a relative path that must stay inside the folder: no absolute paths, no "..", no backslashes or
 * control characters, and no symbolic link that leads out.
 */
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class KbPathError extends Error {
  override name = 'KbPathError';
}

export class KbFiles {
  private rootReal: string | undefined;

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    this.rootReal = await realpath(this.root);
  }

  /** Checks a client's relative path and returns it normalized ("a/b/c"). */
  static checkRelative(relative: string, what = 'path'): string {
    if (typeof relative !== 'string' || relative.trim() === '') throw new KbPathError(`${what} must be a non-empty relative path`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\\]/.test(relative)) throw new KbPathError(`${what} ${JSON.stringify(relative)} has a control character or a backslash`);
    if (relative.startsWith('/') || /^[a-z]:/i.test(relative)) throw new KbPathError(`${what} ${JSON.stringify(relative)} must be relative to the knowledge base folder`);
    const parts = relative.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0) throw new KbPathError(`${what} ${JSON.stringify(relative)} names no file`);
    if (parts.includes('..')) throw new KbPathError(`${what} ${JSON.stringify(relative)} leaves the knowledge base folder`);
    return parts.join('/');
  }

  /** The absolute path of a checked relative path. */
  resolve(relative: string, what = 'path'): string {
    return path.join(this.root, ...KbFiles.checkRelative(relative, what).split('/'));
  }

  /** The file to serve for `relative`, or undefined when there is none (symbolic links out of the folder refused). */
  async existingFile(relative: string): Promise<{ path: string; size: number } | undefined> {
    const file = this.resolve(relative, 'file');
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return undefined;
    }
    const root = this.rootReal ?? (await realpath(this.root));
    if (real !== root && !real.startsWith(root + path.sep)) throw new KbPathError(`file ${JSON.stringify(relative)} leaves the knowledge base folder`);
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size } : undefined;
  }

  /** Writes a file atomically (temporary file, then rename); returns the normalized relative path. */
  async write(relative: string, data: Uint8Array | string): Promise<string> {
    const normalized = KbFiles.checkRelative(relative, 'file');
    const file = this.resolve(normalized);
    await this.makeFoldersInside(normalized.split('/').slice(0, -1), relative);
    // A unique temporary name: two uploads of one name at once must not share (and tear) one temporary file.
    const temporary = `${file}.${randomUUID()}.partial`;
    await writeFile(temporary, data);
    await rename(temporary, file);
    return normalized;
  }

  /**
   * Creates the folders of a path one level at a time, checking each before going on: a symbolic link (or anything
   * that is not a folder) on the way is refused before anything is created through it.
   */
  private async makeFoldersInside(folders: string[], relative: string): Promise<void> {
    let current = this.root;
    for (const folder of folders) {
      current = path.join(current, folder);
      let info;
      try {
        info = await lstat(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        await mkdir(current).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        });
        info = await lstat(current);
      }
      if (info.isSymbolicLink()) throw new KbPathError(`file ${JSON.stringify(relative)} goes through a symbolic link (${folder}); the knowledge base writes only inside its folder`);
      if (!info.isDirectory()) throw new KbPathError(`file ${JSON.stringify(relative)}: ${folder} is not a folder`);
    }
  }
}
