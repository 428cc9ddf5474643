/**
 * Where model files come from and go to. Local paths and file:// URLs are handled here; s3:// and http(s)://
 * go through one transfer hook: the lib's storage module, loaded on the first remote URL (so a worker that imports one
 * estimator still reads s3:// models), or whatever a test installs with setRemoteModelStorage. The backends never
 * talk to the network themselves.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Copies a remote object to a local file (download) or a local file to a remote URL (upload). */
export interface RemoteModelStorage {
  download(src: string, dst: string): Promise<unknown>;
  upload(src: string, dst: string): Promise<unknown>;
}

let remoteStorage: RemoteModelStorage | undefined;

/** Installs (or, with undefined, removes) the transfer used for s3:// and http(s):// model URLs. */
export function setRemoteModelStorage(storage: RemoteModelStorage | undefined): void {
  remoteStorage = storage;
}

const REMOTE_SCHEMES = ['s3:', 'http:', 'https:'];

export function isRemoteUrl(url: string): boolean {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:)\/\//.exec(url);
  return m !== null && REMOTE_SCHEMES.includes((m[1] as string).toLowerCase());
}

/** The local filesystem path of a plain path or file:// URL; throws for any other scheme. */
export function localPathOf(url: string): string {
  if (typeof url !== 'string' || url.length === 0) throw new TypeError('model url must be a non-empty string');
  if (url.startsWith('file://')) return fileURLToPath(url);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (scheme) throw new Error(`model url ${url}: unsupported scheme ${scheme[1]}:// (use a local path, file://, s3:// or http(s)://)`);
  return url;
}

async function storageFor(): Promise<RemoteModelStorage> {
  if (remoteStorage === undefined) {
    const { download, upload } = await import('../storage/storage.js');
    remoteStorage ??= { download, upload };
  }
  return remoteStorage;
}

/** Joins a file name onto a URL or path, keeping the scheme's separator. */
export function joinUrl(base: string, name: string): string {
  if (isRemoteUrl(base) || base.startsWith('file://')) return base.endsWith('/') ? base + name : `${base}/${name}`;
  return join(base, name);
}

/** A scratch directory for staging remote files; remove() deletes it. */
export interface Staging {
  dir: string;
  remove(): Promise<void>;
}

export async function makeStaging(): Promise<Staging> {
  const dir = await mkdtemp(join(tmpdir(), 'sedna-model-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Makes the file at `url` readable locally: a local path as is, a remote one downloaded into `staging`. */
export async function fetchModelFile(url: string, staging: () => Promise<Staging>, localName: string): Promise<string> {
  if (!isRemoteUrl(url)) return localPathOf(url);
  const storage = await storageFor();
  const dst = join((await staging()).dir, localName);
  await storage.download(url, dst);
  return dst;
}

/** Publishes a locally written file to `url` (a no-op when url is the local path itself). */
export async function publishModelFile(localPath: string, url: string): Promise<void> {
  if (!isRemoteUrl(url)) return;
  await (await storageFor()).upload(localPath, url);
}

/** Writes one file's bytes to a path or URL (remote ones staged locally, then uploaded); returns the URL. */
export async function writeModelFile(bytes: Uint8Array, url: string, stagingName: string): Promise<string> {
  if (!isRemoteUrl(url)) {
    const path = localPathOf(url);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    return url;
  }
  const storage = await storageFor();
  const staging = await makeStaging();
  try {
    const local = join(staging.dir, stagingName);
    await writeFile(local, bytes);
    await storage.upload(local, url);
  } finally {
    await staging.remove();
  }
  return url;
}
