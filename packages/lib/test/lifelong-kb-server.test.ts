/**
 * The knowledge base server over real HTTP: index updates recorded in the original's tables, deploy status, query,
 * file upload and download (by query and by path), and the refusals: missing or corrupt files, paths out of the
 * folder, unknown groups, wrong methods and content types.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KBClient, KBError } from '../src/core/lifelong_learning/kb-client.js';
import { KB_INDEX_FORMAT, type KbIndex } from '../src/core/lifelong_learning/kb-index.js';
import { KnowledgeBaseServer } from '../src/core/lifelong_learning/kb-server/kb-server.js';
import { kbServerSettingsFromEnv } from '../src/core/lifelong_learning/kb-server/settings.js';

function indexWith(groups: { entry: string; samples: number; model: string }[], pending: string[] = []): KbIndex {
  const task = (entry: string, samples: number, dataType: 'train' | 'eval' = 'train') => ({
    entry,
    meta_attr: { site: entry },
    samples: { data_type: dataType, data_url: `http://kb/files/${entry}.samples.json`, sample_num: samples },
  });
  return {
    format: KB_INDEX_FORMAT,
    create_time: (Date.now() / 1000).toFixed(3),
    classes: ['a', 'b'],
    statistics: { labeled_unseen_samples: 0, unseen_samples: pending.length * 3 },
    seen_task: {
      extractor: { kind: 'attribute', attributes: ['site'] },
      task_groups: groups.map((g) => ({
        entry: g.entry,
        tasks: [task(g.entry, g.samples)],
        relations: [{ task: g.entry, transfer_ratio: 1 }],
        model: { url: g.model, format: 'json', metrics: { accuracy: 0.9 }, train_samples: g.samples, created_at: '', transfer_from: null },
        deploy: true,
      })),
    },
    unseen_task: { extractor: null, task_groups: pending.map((entry) => ({ entry, tasks: [task(entry, 3)], relations: [], model: null, deploy: false })) },
  };
}

async function post(url: string, init: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', ...init });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text
  }
  return { status: response.status, body };
}

function multipart(field: string, content: string | Uint8Array, name = 'file.bin', extra: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.set(field, new Blob([content]), name);
  for (const [k, v] of Object.entries(extra)) form.set(k, v);
  return form;
}

describe('knowledge base server', () => {
  let dir: string;
  let server: KnowledgeBaseServer;
  let kb: KBClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sedna-kb-test-'));
    server = await KnowledgeBaseServer.start({ saveDir: path.join(dir, 'kb'), host: '127.0.0.1', port: 0 });
    kb = new KBClient(server.url, { attempts: 1 });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records an index in the tables and serves it back', async () => {
    const url = await kb.updateDb(indexWith([{ entry: 'north', samples: 30, model: 'm/north/1' }, { entry: 'south', samples: 20, model: 'm/south/1' }], ['east']));
    expect(url).toBe(`${server.url}/knowledgebase/file/download?files=index.json&name=index.json`);
    const served = await fetch(url);
    expect(served.headers.get('content-disposition')).toBe('attachment; filename="index.json"');
    expect(((await served.json()) as KbIndex).seen_task.task_groups.map((g) => g.entry)).toEqual(['north', 'south']);
    expect(server.database.tableCounts()).toEqual({ ll_task_grp: 3, ll_tasks: 3, ll_task_models: 2, ll_task_relation: 3, ll_samples: 3, ll_task_sample: 3 });

    // The same index again changes nothing; a new model of north is added and becomes the current one.
    await kb.updateDb(indexWith([{ entry: 'north', samples: 30, model: 'm/north/1' }, { entry: 'south', samples: 20, model: 'm/south/1' }], ['east']));
    expect(server.database.tableCounts().ll_samples).toBe(3);
    await kb.updateDb(indexWith([{ entry: 'north', samples: 45, model: 'm/north/2' }, { entry: 'south', samples: 20, model: 'm/south/1' }]));
    const { task_groups, index } = await kb.query(['north']);
    expect(task_groups).toHaveLength(1);
    expect(task_groups[0]).toMatchObject({ name: 'north', deploy: true, sample_num: 45, task_num: 1 });
    expect(task_groups[0]?.models.map((m) => [m.model_url, m.is_current])).toEqual([
      ['m/north/1', false],
      ['m/north/2', true],
    ]);
    expect(task_groups[0]?.tasks[0]).toMatchObject({ name: 'north', task_attr: { site: 'north' }, transfer_ratio: 1 });
    expect(index?.seen_task_groups).toEqual(['north', 'south']);
  });

  it('deploy status: committed to the table and rewritten into the index with a new create_time', async () => {
    const before = (await kb.query()).index?.create_time;
    const url = await kb.updateTaskStatus(['south'], 0);
    const index = (await (await fetch(url)).json()) as KbIndex;
    expect(index.seen_task.task_groups.map((g) => [g.entry, g.deploy])).toEqual([
      ['north', true],
      ['south', false],
    ]);
    expect(Number(index.create_time)).toBeGreaterThan(Number(before));
    expect((await kb.query(['south'])).task_groups[0]?.deploy).toBe(false);
    await kb.updateTaskStatus(['south'], 1);
    expect((await kb.query(['south'])).task_groups[0]?.deploy).toBe(true);
  });

  it('uploads files into folders and serves them by query and by path', async () => {
    const url = await kb.uploadFile({ name: 'model.json', data: '{"weights":"x"}' }, 'seen_task/north/v2');
    expect(url).toBe(`${server.url}/knowledgebase/files/seen_task/north/v2/model.json`);
    expect(await (await fetch(url)).text()).toBe('{"weights":"x"}');
    const byQuery = await fetch(`${server.url}/knowledgebase/file/download?files=seen_task/north/v2/model.json&name=m.json`);
    expect(byQuery.status).toBe(200);
    expect(byQuery.headers.get('content-disposition')).toBe('attachment; filename="m.json"');
    const raw = await post(`${server.url}/knowledgebase/file/upload`, { body: multipart('file', new Uint8Array([1, 2, 3]), 'w.bin') });
    expect(raw).toEqual({ status: 200, body: '/file/download?files=w.bin&name=w.bin' });
  });

  it('refuses missing and corrupt files with the reason', async () => {
    const noTask = await post(`${server.url}/knowledgebase/update`, { body: multipart('other', 'x') });
    expect(noTask.status).toBe(400);
    expect(noTask.body.detail).toMatch(/field "task".*missing/);
    const corrupt = await post(`${server.url}/knowledgebase/update`, { body: multipart('task', '{"format": "sedna-kb-index/v1", "create_time": "1"') });
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.detail).toMatch(/invalid JSON/);
    // The original lib's joblib index.pkl (pickle protocol 4): refused at once, saying what to send and how to convert.
    const pickle = await post(`${server.url}/knowledgebase/update`, { body: multipart('task', new Uint8Array([0x80, 0x04, 0x95, 0x10, 0x00]), 'index.pkl') });
    expect(pickle.status).toBe(415);
    expect(pickle.body.detail).toMatch(/is a Python pickle .*takes the index as JSON .*examples\/python_compat\/kb_index_to_json\.py/);
    const badGroup = indexWith([{ entry: 'x', samples: 1, model: 'm' }]) as any;
    badGroup.seen_task.task_groups[0].model = null;
    const noModel = await post(`${server.url}/knowledgebase/update`, { body: multipart('task', JSON.stringify(badGroup)) });
    expect(noModel).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/seen_task.task_groups\[0\].model is required/) } });
    const notMultipart = await post(`${server.url}/knowledgebase/update`, { body: '{}', headers: { 'content-type': 'application/json' } });
    expect(notMultipart.status).toBe(415);
    const noFile = await post(`${server.url}/knowledgebase/file/upload`, { body: multipart('path', 'x') });
    expect(noFile.body.detail).toMatch(/"file" must be a file|"file" is missing/);
    const emptyIndex = await post(`${server.url}/knowledgebase/update`, { body: multipart('task', '') });
    expect(emptyIndex.body.detail).toMatch(/empty file/);
  });

  it('keeps every path inside the knowledge base folder', async () => {
    const escape = await post(`${server.url}/knowledgebase/file/upload`, { body: multipart('file', 'x', 'a.bin', { path: '../outside' }) });
    expect(escape.status).toBe(400);
    expect(escape.body.detail).toMatch(/leaves the knowledge base folder/);
    const absolute = await post(`${server.url}/knowledgebase/file/upload`, { body: multipart('file', 'x', 'a.bin', { path: '/etc' }) });
    expect(absolute.body.detail).toMatch(/must be relative/);
    for (const files of ['../kb.sqlite3', '/etc/passwd', 'a/../../x']) {
      const response = await fetch(`${server.url}/knowledgebase/file/download?files=${encodeURIComponent(files)}`);
      expect(response.status).toBe(400);
    }
    expect((await fetch(`${server.url}/knowledgebase/files/..%2F..%2Fetc%2Fpasswd`)).status).toBe(400);
    // A symbolic link inside the folder that points out of it is refused too.
    await writeFile(path.join(dir, 'secret.txt'), 'secret');
    await symlink(path.join(dir, 'secret.txt'), path.join(dir, 'kb', 'link.txt'));
    expect((await fetch(`${server.url}/knowledgebase/files/link.txt`)).status).toBe(400);
    expect((await fetch(`${server.url}/knowledgebase/files/none/such.bin`)).status).toBe(404);
    expect((await fetch(`${server.url}/knowledgebase/file/download`)).status).toBe(400);
  });

  it('refuses bad status requests without changing anything', async () => {
    const unknown = await post(`${server.url}/knowledgebase/update/status`, { body: JSON.stringify({ status: 0, tasks: 'north,nowhere' }), headers: { 'content-type': 'application/json' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toMatch(/unknown task groups: nowhere/);
    expect((await kb.query(['north'])).task_groups[0]?.deploy).toBe(true);
    const badStatus = await post(`${server.url}/knowledgebase/update/status`, { body: JSON.stringify({ status: 2, tasks: 'north' }) });
    expect(badStatus.body.detail).toMatch(/"status" must be 0 or 1/);
    const notJson = await post(`${server.url}/knowledgebase/update/status`, { body: 'status=1' });
    expect(notJson.body.detail).toMatch(/not valid JSON/);
    await expect(kb.updateTaskStatus(['nowhere'], 1)).rejects.toThrow(KBError);
    expect((await fetch(`${server.url}/knowledgebase/update`)).status).toBe(405);
    expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
  });

  it('refuses bodies over the limit', async () => {
    const small = await KnowledgeBaseServer.start({ saveDir: path.join(dir, 'small'), host: '127.0.0.1', port: 0, maxUploadBytes: 1000 });
    try {
      const big = await post(`${small.url}/knowledgebase/file/upload`, { body: multipart('file', new Uint8Array(5000)) });
      expect(big.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('reads its settings from the original environment variables', () => {
    expect(kbServerSettingsFromEnv({ KnowledgeBaseServer: 'http://127.0.0.1:9555', KnowledgeBasePath: '/tmp/kbx' })).toMatchObject({ host: '127.0.0.1', port: 9555, saveDir: '/tmp/kbx', database: '/tmp/kbx/lifelong_kb.sqlite3' });
    expect(kbServerSettingsFromEnv({ KnowledgeBaseServer: 'kb:9020', KnowledgeBasePath: '/tmp/kbx', KB_URL: 'sqlite:////var/kb.db' })).toMatchObject({ host: '0.0.0.0', port: 9020, database: '/var/kb.db' });
    expect(() => kbServerSettingsFromEnv({ KB_URL: 'mysql://x' })).toThrow(/KB_URL/);
  });
});
