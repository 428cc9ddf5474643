/**
 * Fuzz tests of every HTTP and websocket entry point (API server, hub, LC report endpoint and node API, knowledge
 * base, aggregation server, big model service): seeded hostile requests, bounded in count and time; no answer may
 * be a 5xx, nothing may escape to the process (vitest fails a run on an uncaught exception), and every report the
 * LC acknowledged reaches the GM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastResortCount } from '@sedna/api/guard';
import { runCampaign, sendRaw, startEntryPoints, type EntryPoints } from '../../../../bench/fuzz/kit/index.js';

let dir: string;
let entry: EntryPoints;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sedna-fuzz-'));
  entry = await startEntryPoints(dir);
});

afterAll(async () => {
  await entry?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('every entry point under hostile requests', () => {
  it('answers the request line that took the control plane down (GET //[) with a 4xx everywhere', async () => {
    for (const endpoint of entry.endpoints) {
      const answer = await sendRaw(endpoint, Buffer.from(`GET //[ HTTP/1.1\r\nHost: x\r\n${endpoint.token ? `Authorization: Bearer ${endpoint.token}\r\n` : ''}${endpoint.websocket ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' : ''}Connection: close\r\n\r\n`));
      // The aggregation server's websocket serves every path (as the original's): an upgrade there is accepted.
      if (answer.status === 101 && endpoint.name === 'aggregation-server') continue;
      expect(answer.status, endpoint.name).toBeGreaterThanOrEqual(400);
      expect(answer.status, endpoint.name).toBeLessThan(500);
    }
  });

  it('never answers 5xx to a seeded campaign, and loses no acknowledged report', async () => {
    const seed = Number(process.env['SEDNA_FUZZ_SEED'] ?? 20261205);
    const result = await runCampaign(entry.endpoints, { seed, requestsPerEndpoint: 150, timeLimitMs: 60_000 });
    console.log(JSON.stringify(result.byEndpoint));
    expect(result.samples, `seed ${seed}`).toEqual([]);
    expect(result.serverErrors).toBe(0);
    for (const [name, tally] of Object.entries(result.byEndpoint)) expect(tally.requests, name).toBeGreaterThan(0);
    expect(await entry.drained(20_000)).toBe(true);
    expect(entry.reportsAtGm.length).toBeGreaterThanOrEqual(result.reportsAcknowledged);
    expect(lastResortCount()).toBe(0);
  }, 120_000);
});
