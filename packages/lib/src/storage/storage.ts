/**
 * One entry point for moving models and data between local paths, file://, http(s):// and s3://
 * (the original FileOps.download/upload/exists). Unlike the original, upload never deletes its
 * source, and every failure is a StorageError naming the URL, the operation and the reason.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { StorageError, describeError, type StorageOperation } from './errors.js';
import { HttpBackend, type HttpOptions } from './http.js';
import { copyLocal, fileTarget, statOrUndefined, writeLocal } from './local.js';
import type { Env } from '../common/config.js';
import { S3Backend, s3ErrorInfo, s3SettingsFromEnv, type S3Settings } from './s3.js';
import { parseStorageUrl, type StorageLocation } from './url.js';

export interface StorageOptions {
  /** Where S3 settings are read from (default process.env). */
  env?: Env;
  /** Overrides of the S3 settings read from `env`. */
  s3?: Partial<S3Settings>;
  http?: HttpOptions;
}

export class Storage {
  private readonly s3: S3Backend;
  private readonly http: HttpBackend;

  constructor(options: StorageOptions = {}) {
    this.s3 = new S3Backend({ ...s3SettingsFromEnv(options.env ?? process.env), ...options.s3 });
    this.http = new HttpBackend(options.http);
  }

  /**
   * Copies `src` (a file, or a folder for local and s3 sources) to the local path `dst`; into it when
   * `dst` is an existing folder or ends with '/'. Without `dst`, the result is written inside a fresh
   * temporary folder, its parent, which the caller removes. Returns the local path written.
   */
  download(src: string, dst?: string): Promise<string> {
    return this.guard('download', src, async () => {
      if (dst === undefined) return (await this.downloadToTemp(src)).path;
      const target = parseStorageUrl(dst);
      if (target.kind !== 'local') throw new Error(`the destination ${dst} must be a local path`);
      return this.downloadTo(src, target.path, /[\\/]$/.test(dst));
    });
  }

  /** Downloads into a new temporary folder `root` (the caller removes it); `path` is what was written. */
  downloadToTemp(src: string): Promise<{ root: string; path: string }> {
    return this.guard('download', src, async () => {
      const location = parseStorageUrl(src);
      const name = location.kind === 'local' ? path.basename(location.path) : nameInUrl(location);
      const root = await mkdtemp(path.join(os.tmpdir(), 'sedna-download-'));
      try {
        return { root, path: await this.downloadTo(src, path.join(root, name), false) };
      } catch (err) {
        await rm(root, { recursive: true, force: true });
        throw err;
      }
    });
  }

  private async downloadTo(src: string, dst: string, dstSpelledAsDir: boolean): Promise<string> {
    const location = parseStorageUrl(src);
    switch (location.kind) {
      case 'local':
        if (!(await statOrUndefined(location.path))) throw new Error('no such file or directory');
        return copyLocal(location.path, dst, dstSpelledAsDir);
      case 'http': {
        const target = await fileTarget(dst, nameInUrl(location), dstSpelledAsDir);
        await this.http.downloadToFile(location.url, target);
        return target;
      }
      case 's3':
        return this.downloadS3(location, dst, dstSpelledAsDir);
    }
  }

  /**
   * Copies the local file or folder `src` to `dst` (local, s3:// or http(s):// with PUT). A remote
   * `src` is downloaded to a temporary place first. A file sent to an s3 key ending in '/' keeps its
   * name under that prefix. Returns the URL written.
   */
  upload(src: string, dst: string): Promise<string> {
    return this.guard('upload', dst, async () => {
      const source = parseStorageUrl(src);
      if (source.kind !== 'local') {
        const staged = await this.downloadToTemp(src);
        try {
          return await this.upload(staged.path, dst);
        } finally {
          await rm(staged.root, { recursive: true, force: true });
        }
      }
      const info = await statOrUndefined(source.path);
      if (!info) throw new Error(`the source ${src} does not exist`);
      const target = parseStorageUrl(dst);
      switch (target.kind) {
        case 'local':
          return copyLocal(source.path, target.path, /[\\/]$/.test(dst));
        case 'http':
          if (info.isDirectory()) throw new Error(`${src} is a folder; folders cannot be uploaded over HTTP`);
          await this.http.uploadFile(source.path, target.url);
          return target.url;
        case 's3': {
          if (info.isDirectory()) {
            const prefix = asPrefix(target.key);
            await this.s3.uploadDirectory(source.path, target.bucket, prefix);
            return `s3://${target.bucket}/${prefix}`;
          }
          const key = target.key === '' || target.key.endsWith('/') ? target.key + path.basename(source.path) : target.key;
          await this.s3.uploadFile(source.path, target.bucket, key);
          return `s3://${target.bucket}/${key}`;
        }
      }
    });
  }

  /** Whether a file or folder (an s3 prefix with objects under it) exists. */
  exists(url: string): Promise<boolean> {
    return this.guard('exists', url, async () => {
      const location = parseStorageUrl(url);
      switch (location.kind) {
        case 'local':
          return (await statOrUndefined(location.path)) !== undefined;
        case 'http':
          return this.http.exists(location.url);
        case 's3':
          try {
            if (location.key !== '' && !location.key.endsWith('/') && (await this.s3.objectExists(location.bucket, location.key))) return true;
            return (await this.s3.listKeys(location.bucket, asPrefix(location.key), 1)).length > 0;
          } catch (err) {
            if (s3ErrorInfo(err).name === 'NoSuchBucket') return false;
            throw err;
          }
      }
    });
  }

  readBytes(url: string): Promise<Uint8Array> {
    return this.guard('read', url, async () => {
      const location = parseStorageUrl(url);
      switch (location.kind) {
        case 'local':
          return new Uint8Array(await readFile(location.path));
        case 'http':
          return this.http.readBytes(location.url);
        case 's3':
          if (location.key === '' || location.key.endsWith('/')) throw new Error('the URL names a folder, not an object');
          return this.s3.readBytes(location.bucket, location.key);
      }
    });
  }

  async readText(url: string): Promise<string> {
    return new TextDecoder('utf-8').decode(await this.readBytes(url));
  }

  /** Writes bytes (or UTF-8 text) to a file or object, creating local parent folders. */
  writeBytes(url: string, data: Uint8Array | string): Promise<void> {
    return this.guard('write', url, async () => {
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      const location = parseStorageUrl(url);
      switch (location.kind) {
        case 'local':
          return writeLocal(location.path, bytes);
        case 'http':
          return this.http.writeBytes(location.url, bytes);
        case 's3':
          if (location.key === '' || location.key.endsWith('/')) throw new Error('the URL names a folder, not an object');
          return this.s3.writeBytes(location.bucket, location.key, bytes);
      }
    });
  }

  writeText(url: string, text: string): Promise<void> {
    return this.writeBytes(url, text);
  }

  /** Releases the S3 connections. */
  close(): void {
    this.s3.close();
  }

  private async downloadS3(location: Extract<StorageLocation, { kind: 's3' }>, dst: string, dstSpelledAsDir: boolean): Promise<string> {
    const { bucket, key } = location;
    if (key !== '' && !key.endsWith('/') && (await this.s3.objectExists(bucket, key))) {
      const target = await fileTarget(dst, path.posix.basename(key), dstSpelledAsDir);
      await this.s3.downloadObject(bucket, key, target);
      return target;
    }
    const count = await this.s3.downloadPrefix(bucket, asPrefix(key), dst);
    if (count === 0) throw new Error(key === '' ? 'the bucket is empty' : 'no object with this key and no objects under it as a prefix');
    return dst;
  }

  private async guard<T>(operation: StorageOperation, url: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw new StorageError(operation, url, reasonOf(err), { cause: err });
    }
  }
}

function reasonOf(err: unknown): string {
  const { name, status } = s3ErrorInfo(err);
  if (status !== undefined) return `${name} (HTTP ${status})${err instanceof Error && err.message && err.message !== name ? `: ${err.message}` : ''}`;
  return describeError(err);
}

function asPrefix(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`;
}

/** The last path segment of a remote URL, used to name a downloaded file. */
function nameInUrl(location: Exclude<StorageLocation, { kind: 'local' }>): string {
  const pathname = location.kind === 'http' ? decodeURIComponent(new URL(location.url).pathname) : location.key;
  return path.posix.basename(pathname.replace(/\/+$/, '')) || (location.kind === 's3' ? location.bucket : 'download');
}

let defaultInstance: Storage | undefined;

/** A Storage configured from process.env, shared by the module-level functions. */
export function defaultStorage(): Storage {
  defaultInstance ??= new Storage();
  return defaultInstance;
}

export const download = (src: string, dst?: string): Promise<string> => defaultStorage().download(src, dst);
export const upload = (src: string, dst: string): Promise<string> => defaultStorage().upload(src, dst);
export const exists = (url: string): Promise<boolean> => defaultStorage().exists(url);
export const readBytes = (url: string): Promise<Uint8Array> => defaultStorage().readBytes(url);
export const readText = (url: string): Promise<string> => defaultStorage().readText(url);
export const writeBytes = (url: string, data: Uint8Array | string): Promise<void> => defaultStorage().writeBytes(url, data);
