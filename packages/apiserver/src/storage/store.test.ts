import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from './store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sedna-store-'));
  dirs.push(dir);
  return join(dir, 'apiserver.db');
}

describe('the store durability setting', () => {
  it('is normal by default and full (an fsync per commit) when asked, and keeps the data either way', () => {
    const path = tempDb();
    const normal = new Store({ path });
    expect(normal.sync).toBe('normal');
    normal.put('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }, 'ADDED');
    normal.close();

    const full = new Store({ path, sync: 'full' });
    expect(full.sync).toBe('full');
    expect(full.get('/namespaces', '', 'a')?.object.metadata.name).toBe('a');
    full.put('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } }, 'ADDED');
    full.close();

    const again = new Store({ path });
    expect(again.list('/namespaces').map((o) => o.object.metadata.name).sort()).toEqual(['a', 'b']);
    again.close();
  });
});
