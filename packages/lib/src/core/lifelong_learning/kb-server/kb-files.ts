/**
 * The knowledge base's file folder (KnowledgeBasePath): models, sample sets, task profiles and the index. Every name
 * a client gives is a relative path that must stay inside the folder: no absolute paths, no "..", no backslashes or
 * control characters, and no symbolic link that leads out.
 */
import { mkdir, realpath, rename, stat, writeFile } from 'node:fs/promises';
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
    await mkdir(path.dirname(file), { recursive: true });
    const dir = await realpath(path.dirname(file));
    const root = this.rootReal ?? (await realpath(this.root));
    if (dir !== root && !dir.startsWith(root + path.sep)) throw new KbPathError(`file ${JSON.stringify(relative)} leaves the knowledge base folder`);
    const temporary = `${file}.${process.pid}.${Date.now()}.partial`;
    await writeFile(temporary, data);
    await rename(temporary, file);
    return normalized;
  }
}
