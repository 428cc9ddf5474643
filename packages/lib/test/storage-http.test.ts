import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Storage, StorageError } from '../src/storage/index.js';

/** A tiny HTTP object store: GET/HEAD/PUT on any path, plus /broken answering 500. */
function startObjectServer(): Promise<{ server: Server; base: string; objects: Map<string, Buffer> }> {
  const objects = new Map<string, Buffer>();
  const server = createServer((req, res) => {
    const key = req.url ?? '/';
    if (key === '/broken') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('disk on fire');
      return;
    }
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        objects.set(key, Buffer.concat(chunks));
        res.writeHead(201).end();
      });
      return;
    }
    const body = objects.get(key);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, base: `http://127.0.0.1:${port}`, objects });
    }),
  );
}

describe('storage over http(s)', () => {
  let http: Awaited<ReturnType<typeof startObjectServer>>;
  let dir: string;
  const storage = new Storage({ env: {} });

  beforeAll(async () => {
    http = await startObjectServer();
    dir = await mkdtemp(path.join(os.tmpdir(), 'sedna-storage-http-'));
  });
  afterAll(async () => {
    http.server.closeAllConnections();
    await new Promise((resolve) => http.server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads with PUT, checks with HEAD and downloads with GET', async () => {
    const file = path.join(dir, 'weights.bin');
    await writeFile(file, Buffer.from([9, 8, 7]));
    expect(await storage.upload(file, `${http.base}/models/weights.bin`)).toBe(`${http.base}/models/weights.bin`);
    expect(Array.from(http.objects.get('/models/weights.bin') ?? [])).toEqual([9, 8, 7]);
    expect(await storage.exists(`${http.base}/models/weights.bin`)).toBe(true);
    expect(await storage.exists(`${http.base}/models/other.bin`)).toBe(false);

    const local = await storage.download(`${http.base}/models/weights.bin`, `${dir}/out/`);
    expect(local).toBe(path.join(dir, 'out', 'weights.bin'));
    expect(Array.from(await readFile(local))).toEqual([9, 8, 7]);

    await storage.writeBytes(`${http.base}/config.json`, '{"a":1}');
    expect(await storage.readText(`${http.base}/config.json`)).toBe('{"a":1}');
  });

  it('names the URL, the operation and the HTTP status on failure', async () => {
    const missing = storage.readBytes(`${http.base}/nope`);
    await expect(missing).rejects.toBeInstanceOf(StorageError);
    await expect(storage.readBytes(`${http.base}/nope`)).rejects.toThrow(`read ${http.base}/nope failed: HTTP 404 Not Found: not found`);
    await expect(storage.download(`${http.base}/broken`, dir)).rejects.toThrow(/download .*\/broken failed: HTTP 500 Internal Server Error: disk on fire/);
    await expect(storage.exists(`${http.base}/broken`)).rejects.toThrow(/exists .*\/broken failed: HTTP 500/);
    await expect(storage.upload(dir, `${http.base}/folder`)).rejects.toThrow(/folders cannot be uploaded over HTTP/);
  });

  it('hides a password written into the URL', async () => {
    await expect(storage.readBytes(`http://user:secret@127.0.0.1:1/x`)).rejects.toThrow(/read http:\/\/user:\*\*\*@127\.0\.0\.1:1\/x failed/);
  });
});
