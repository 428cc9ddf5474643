/**
 * A real S3 server (s3rver) on 127.0.0.1 with a random port and a temporary folder, for tests.
 * s3rver ships no type declarations, so it is loaded through require with the small surface used here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

export interface S3Fixture {
  /** Environment a worker would get: S3_ENDPOINT_URL, ACCESS_KEY_ID, SECRET_ACCESS_KEY. */
  env: Record<string, string>;
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts s3rver with the given buckets. s3rver accepts the key pair S3RVER/S3RVER. */
export async function startS3rver(buckets: string[]): Promise<S3Fixture> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'sedna-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    env: { S3_ENDPOINT_URL: endpoint, ACCESS_KEY_ID: 'S3RVER', SECRET_ACCESS_KEY: 'S3RVER' },
    async stop() {
      // Clients keep connections alive; close them so the server can stop now.
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
