/**
 * A real nats-server with JetStream (Debian's `nats-server`) on a free port and a temporary folder, for the tests of
 * one file: started before them, stopped (and its folder removed) after them. Test-only: not under src/, not shipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startNatsServer, type RunningNatsServer } from '../../src/core/multi_edge_inference/nats-server.js';

export interface NatsFixture {
  /** `nats://127.0.0.1:<port>`, once the server runs (inside the tests). */
  readonly url: string;
}

/** Registers the server's start and stop around the calling test file's tests. */
export function useNatsServer(prefix: string): NatsFixture {
  const dir = mkdtempSync(join(tmpdir(), `sedna-${prefix}-`));
  let nats: RunningNatsServer | undefined;
  beforeAll(async () => {
    nats = await startNatsServer({ storeDir: join(dir, 'js') });
  });
  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get url(): string {
      if (!nats) throw new Error('the NATS server of this test file is not running (used outside its tests?)');
      return nats.url;
    },
  };
}
