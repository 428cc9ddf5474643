/**
 * s3:// side of the storage layer, on @aws-sdk/client-s3. Settings come from the worker environment
 * (S3_ENDPOINT_URL, ACCESS_KEY_ID, SECRET_ACCESS_KEY, as injected by the GM). Path-style addressing
 * and checksums only when required: MinIO-style servers (and s3rver in tests) reject or mangle the
 * SDK's default streaming checksums.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

// Types only: the SDK itself (a large module graph) is loaded on the first S3 request, so a worker whose URLs are
// all local never loads it.
import type * as S3Module from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';

import type { Env } from '../common/config.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface S3Settings {
  /** Endpoint URL with scheme, e.g. http://127.0.0.1:9000. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** SDK attempts per request (default 3). */
  readonly maxAttempts?: number;
}

/** The original's default endpoint when S3_ENDPOINT_URL is unset. */
export const DEFAULT_S3_ENDPOINT = 'https://s3.amazonaws.com';

export function s3SettingsFromEnv(env: Env): S3Settings {
  let endpoint = (env[WORKER_ENV.S3_ENDPOINT_URL] ?? '').trim() || DEFAULT_S3_ENDPOINT;
  // As the original: an endpoint without a scheme is https.
  if (!/^https?:\/\//i.test(endpoint)) endpoint = `https://${endpoint}`;
  return {
    endpoint,
    accessKeyId: env[WORKER_ENV.ACCESS_KEY_ID] ?? '',
    secretAccessKey: env[WORKER_ENV.SECRET_ACCESS_KEY] ?? '',
    region: env.AWS_REGION || env.S3_REGION || 'us-east-1',
  };
}

type S3Sdk = typeof S3Module;

export async function createS3Client(settings: S3Settings): Promise<S3Client> {
  return newS3Client(await import('@aws-sdk/client-s3'), settings);
}

function newS3Client(sdk: S3Sdk, settings: S3Settings): S3Client {
  if (!settings.accessKeyId || !settings.secretAccessKey) {
    throw new Error(`no S3 credentials for ${settings.endpoint}: set ACCESS_KEY_ID and SECRET_ACCESS_KEY`);
  }
  const config: S3ClientConfig = {
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: settings.maxAttempts ?? 3,
  };
  return new sdk.S3Client(config);
}

/** S3 error details worth showing: the error code and HTTP status. */
export function s3ErrorInfo(err: unknown): { name: string; status: number | undefined } {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.Code ?? e.name ?? 'Error', status: e.$metadata?.httpStatusCode };
}

function isNotFound(err: unknown): boolean {
  const { name, status } = s3ErrorInfo(err);
  return status === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

export class S3Backend {
  private connection: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined;

  constructor(private readonly settings: S3Settings) {}

  /** The SDK and a client, made on first use; a failure (no credentials) is not cached. */
  private connect(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    this.connection ??= import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: newS3Client(sdk, this.settings) }));
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  async objectExists(bucket: string, key: string): Promise<boolean> {
    try {
      const { sdk, client } = await this.connect();
      await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Keys under a prefix (the prefix included), in listing order. ListObjects (v1) with markers rather
   * than ListObjectsV2: s3rver builds V2 continuation tokens with DES, which OpenSSL 3 (Node 20) lacks,
   * so every truncated V2 listing fails there; v1 works on it, on MinIO and on AWS alike.
   */
  async listKeys(bucket: string, prefix: string, limit = Infinity): Promise<string[]> {
    const keys: string[] = [];
    let marker: string | undefined;
    const { sdk, client } = await this.connect();
    for (;;) {
      const page = await client.send(
        new sdk.ListObjectsCommand({
          Bucket: bucket,
          Prefix: prefix,
          ...(marker === undefined ? {} : { Marker: marker }),
          ...(Number.isFinite(limit) ? { MaxKeys: Math.min(1000, limit - keys.length) } : {}),
        }),
      );
      const contents = page.Contents ?? [];
      for (const object of contents) if (object.Key !== undefined) keys.push(object.Key);
      const last = contents[contents.length - 1]?.Key;
      if (!page.IsTruncated || keys.length >= limit || last === undefined) return keys;
      marker = page.NextMarker ?? last;
    }
  }

  async readBytes(bucket: string, key: string): Promise<Uint8Array> {
    const { sdk, client } = await this.connect();
    const response = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) throw new Error('the object has no body');
    return response.Body.transformToByteArray();
  }

  async downloadObject(bucket: string, key: string, file: string): Promise<void> {
    const { sdk, client } = await this.connect();
    const response = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) throw new Error('the object has no body');
    await mkdir(path.dirname(file), { recursive: true });
    await pipeline(response.Body as Readable, createWriteStream(file));
  }

  /** Downloads every object under `prefix` (a folder, ending in '/') into `dir`; returns the count. */
  async downloadPrefix(bucket: string, prefix: string, dir: string): Promise<number> {
    const keys = await this.listKeys(bucket, prefix);
    await mkdir(dir, { recursive: true });
    for (const key of keys) {
      const relative = key.slice(prefix.length);
      if (relative === '' || relative.endsWith('/')) continue; // folder marker objects
      const parts = relative.split('/');
      // A key such as "a/../../x" must not write outside the destination folder.
      if (parts.some((p) => p === '..' || p === '.' || p === '')) throw new Error(`object key "${key}" does not map to a safe local path`);
      await this.downloadObject(bucket, key, path.join(dir, ...parts));
    }
    return keys.length;
  }

  async writeBytes(bucket: string, key: string, data: Uint8Array): Promise<void> {
    const { sdk, client } = await this.connect();
    await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentLength: data.length }));
  }

  async uploadFile(file: string, bucket: string, key: string): Promise<void> {
    const { size } = await stat(file);
    const { sdk, client } = await this.connect();
    await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
  }

  /** Uploads every file under `dir` to keys `<prefix><relative path>`; returns the count. */
  async uploadDirectory(dir: string, bucket: string, prefix: string): Promise<number> {
    let count = 0;
    for (const relative of await listFiles(dir)) {
      await this.uploadFile(path.join(dir, relative), bucket, prefix + relative.split(path.sep).join('/'));
      count++;
    }
    return count;
  }

  close(): void {
    const connection = this.connection;
    this.connection = undefined;
    void connection?.then(({ client }) => client.destroy(), () => undefined);
  }
}

/** Files under a directory, as relative paths, depth first in name order. */
async function listFiles(dir: string, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = relative ? path.join(relative, entry.name) : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(dir, rel)));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}
