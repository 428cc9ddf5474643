import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Storage } from './storage.js';
import { joinStorageUrl, parseStorageUrl } from './url.js';

describe('storage URLs', () => {
  it('classifies local paths, file://, http(s) and s3 URLs', () => {
    expect(parseStorageUrl('/a/b')).toEqual({ kind: 'local', path: '/a/b' });
    expect(parseStorageUrl('file:///a/b%20c')).toEqual({ kind: 'local', path: '/a/b c' });
    expect(parseStorageUrl('https://h/x')).toEqual({ kind: 'http', url: 'https://h/x' });
    expect(parseStorageUrl('s3://bucket/dir/key')).toEqual({ kind: 's3', bucket: 'bucket', key: 'dir/key' });
    expect(parseStorageUrl('s3://bucket')).toEqual({ kind: 's3', bucket: 'bucket', key: '' });
    expect(() => parseStorageUrl('s3://B_ad/x')).toThrow('"B_ad" is not a valid S3 bucket name');
    expect(() => parseStorageUrl('gs://b/x')).toThrow('not implemented');
    expect(joinStorageUrl('s3://bkt/agg/', 'round-1', 'w.bin')).toBe('s3://bkt/agg/round-1/w.bin');
    expect(joinStorageUrl('/tmp/x', 'a', 'b')).toBe('/tmp/x/a/b');
  });
});

describe('storage on the local file system', () => {
  let dir: string;
  const storage = new Storage({ env: {} });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sedna-storage-local-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies files into folders and keeps the source', async () => {
    const src = path.join(dir, 'm.bin');
    await writeFile(src, 'abc');
    await mkdir(path.join(dir, 'into'));
    expect(await storage.upload(src, path.join(dir, 'into'))).toBe(path.join(dir, 'into', 'm.bin'));
    expect(await storage.download(pathToFileURL(src).href, path.join(dir, 'new', 'x.bin'))).toBe(path.join(dir, 'new', 'x.bin'));
    expect(await readFile(path.join(dir, 'new', 'x.bin'), 'utf8')).toBe('abc');
    expect(await readFile(src, 'utf8')).toBe('abc');
  });

  it('copies folders and downloads to a temporary folder', async () => {
    await mkdir(path.join(dir, 'model', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'model', 'sub', 'w.bin'), 'w');
    const temp = await storage.download(path.join(dir, 'model'));
    expect(path.basename(temp)).toBe('model');
    expect(await readFile(path.join(temp, 'sub', 'w.bin'), 'utf8')).toBe('w');
    await rm(path.dirname(temp), { recursive: true, force: true });
  });

  it('writes and reads bytes, creating parents', async () => {
    await storage.writeBytes(path.join(dir, 'a', 'b', 'c.txt'), 'hi');
    expect(await storage.readText(path.join(dir, 'a', 'b', 'c.txt'))).toBe('hi');
    expect(await storage.exists(path.join(dir, 'a', 'b'))).toBe(true);
    expect(await storage.exists(path.join(dir, 'zz'))).toBe(false);
    await expect(storage.download(path.join(dir, 'zz'), dir)).rejects.toThrow(`download ${path.join(dir, 'zz')} failed: no such file or directory`);
    await expect(storage.download(path.join(dir, 'a'), 's3://bkt/x')).rejects.toThrow('must be a local path');
  });
});
