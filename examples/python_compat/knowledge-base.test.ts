/**
 * The original lib's knowledge base index against this project's knowledge base: the joblib pickle its
 * KBClient.update_db uploads is refused at once with 415 and a reason that names the JSON format and the converter;
 * kb_index_to_json.py turns such an index (pickled here with stand-ins of the original's classes, fixtures/) into
 * the JSON index, which the same upload then records.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeBaseServer } from '@sedna/lib/knowledge-base';
import { COMPAT_DIR, PYTHON } from './manifests.js';

let dir: string;
let kb: KnowledgeBaseServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pycompat-kb-'));
  kb = await KnowledgeBaseServer.start({ saveDir: join(dir, 'kb'), host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await kb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs Debian's Python without blocking this process, which serves the knowledge base. */
async function python(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(PYTHON, args, { cwd: COMPAT_DIR, env: { ...process.env, PYTHONPATH: join(COMPAT_DIR, 'fixtures') }, encoding: 'utf8', timeout: 30_000 });
  return stdout;
}

describe("the original lib's knowledge base index", () => {
  it('is refused at once, with the format and the converter named; converted, it is recorded', async () => {
    const pickle = join(dir, 'index.pkl');
    await python([join(COMPAT_DIR, 'fixtures', 'make_original_index.py'), pickle]);
    const refused = JSON.parse(await python([join(COMPAT_DIR, 'original_kb_update.py'), kb.url, pickle]));
    expect(refused.status).toBe(415);
    expect(refused.body.detail).toMatch(/Python pickle .*takes the index as JSON .*kb_index_to_json\.py/);

    const json = join(dir, 'index.json');
    expect(await python([join(COMPAT_DIR, 'kb_index_to_json.py'), pickle, json])).toContain('2 seen and 0 unseen task group(s)');
    const recorded = JSON.parse(await python([join(COMPAT_DIR, 'original_kb_update.py'), kb.url, json]));
    // update_db's answer: the index's download path, as the original server gave it.
    expect(recorded).toEqual({ status: 200, body: '/file/download?files=index.json&name=index.json' });
    expect(kb.database.contents().map((group: { name?: string; entry?: string }) => group.name ?? group.entry).sort()).toEqual(['rainy', 'sunny']);
  }, 60_000);
});
