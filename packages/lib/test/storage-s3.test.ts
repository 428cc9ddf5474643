import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Storage, StorageError } from '../src/storage/index.js';
import { startS3rver, type S3Fixture } from './helpers/s3rver-fixture.js';

describe('storage against a real S3 server (s3rver)', () => {
  let s3: S3Fixture;
  let storage: Storage;
  let dir: string;

  beforeAll(async () => {
    s3 = await startS3rver(['models', 'empty']);
    storage = new Storage({ env: s3.env });
    dir = await mkdtemp(path.join(os.tmpdir(), 'sedna-storage-s3-'));
  });
  afterAll(async () => {
    storage.close();
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes, reads and checks objects byte for byte', async () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);
    await storage.writeBytes('s3://models/raw/blob.bin', bytes);
    expect(Buffer.from(await storage.readBytes('s3://models/raw/blob.bin')).equals(Buffer.from(bytes))).toBe(true);
    await storage.writeBytes('s3://models/raw/hello.txt', 'héllo');
    expect(await storage.readText('s3://models/raw/hello.txt')).toBe('héllo');
    expect(await storage.exists('s3://models/raw/hello.txt')).toBe(true);
    expect(await storage.exists('s3://models/raw')).toBe(true); // a prefix counts as a folder
    expect(await storage.exists('s3://models/raw/missing.txt')).toBe(false);
    expect(await storage.exists('s3://nosuchbucket/x')).toBe(false);
  });

  it('uploads a file (streamed, stored without checksum framing) and downloads it', async () => {
    const file = path.join(dir, 'model.onnx');
    await writeFile(file, 'model bytes '.repeat(1000));
    expect(await storage.upload(file, 's3://models/il/round-1/')).toBe('s3://models/il/round-1/model.onnx');
    expect(await storage.readText('s3://models/il/round-1/model.onnx')).toBe('model bytes '.repeat(1000));
    // the source is kept (the original FileOps deleted it)
    expect(await readFile(file, 'utf8')).toBe('model bytes '.repeat(1000));

    const into = path.join(dir, 'fetched');
    await mkdir(into);
    const local = await storage.download('s3://models/il/round-1/model.onnx', into);
    expect(local).toBe(path.join(into, 'model.onnx'));
    expect(await readFile(local, 'utf8')).toBe('model bytes '.repeat(1000));
  });

  it('uploads a folder as a prefix and downloads the prefix as a folder', async () => {
    const src = path.join(dir, 'saved-model');
    await mkdir(path.join(src, 'variables'), { recursive: true });
    await writeFile(path.join(src, 'model.json'), '{"format":"layers-model"}');
    await writeFile(path.join(src, 'variables', 'weights.bin'), Buffer.from([1, 2, 3, 4]));
    expect(await storage.upload(src, 's3://models/tf/v1')).toBe('s3://models/tf/v1/');
    expect(await storage.exists('s3://models/tf/v1/variables/weights.bin')).toBe(true);

    const back = await storage.download('s3://models/tf/v1', path.join(dir, 'restored'));
    expect(await readFile(path.join(back, 'model.json'), 'utf8')).toBe('{"format":"layers-model"}');
    expect(Array.from(await readFile(path.join(back, 'variables', 'weights.bin')))).toEqual([1, 2, 3, 4]);

    const temp = await storage.download('s3://models/tf/v1/');
    expect(await readFile(path.join(temp, 'model.json'), 'utf8')).toBe('{"format":"layers-model"}');
    await rm(path.dirname(temp), { recursive: true, force: true });
  });

  it('copies s3 to s3 through a temporary file', async () => {
    await storage.writeBytes('s3://models/a/source.bin', 'copy me');
    expect(await storage.upload('s3://models/a/source.bin', 's3://empty/copied.bin')).toBe('s3://empty/copied.bin');
    expect(await storage.readText('s3://empty/copied.bin')).toBe('copy me');
  });

  it('fails clearly: which URL, which operation, why', async () => {
    const missing = storage.readBytes('s3://models/nope/missing.bin');
    await expect(missing).rejects.toBeInstanceOf(StorageError);
    await expect(storage.readBytes('s3://models/nope/missing.bin')).rejects.toThrow(/read s3:\/\/models\/nope\/missing\.bin failed: NoSuchKey \(HTTP 404\)/);
    await expect(storage.download('s3://models/nope/', path.join(dir, 'x'))).rejects.toThrow(/download s3:\/\/models\/nope\/ failed: no object/);
    await expect(storage.readBytes('s3://nosuchbucket/key')).rejects.toThrow(/NoSuchBucket/);
    await expect(storage.readBytes('gs://bucket/key')).rejects.toThrow(/gs:\/\/\) is not implemented/);

    const noCredentials = new Storage({ env: { S3_ENDPOINT_URL: s3.endpoint } });
    await expect(noCredentials.readBytes('s3://models/raw/hello.txt')).rejects.toThrow(/set ACCESS_KEY_ID and SECRET_ACCESS_KEY/);
    const wrongKey = new Storage({ env: { ...s3.env, ACCESS_KEY_ID: 'nobody' } });
    await expect(wrongKey.readBytes('s3://models/raw/hello.txt')).rejects.toThrow(/SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId/);
    wrongKey.close();

    const down = new Storage({ env: { ...s3.env, S3_ENDPOINT_URL: 'http://127.0.0.1:1' }, s3: { maxAttempts: 1 } });
    await expect(down.readBytes('s3://models/raw/hello.txt')).rejects.toThrow(/read s3:\/\/models\/raw\/hello\.txt failed: .*ECONNREFUSED/);
    down.close();
  });
});
