/**
 * The knowledge base server (the original KBServer, run in the cloud): REST under /knowledgebase on port 9020 by
 * default (sedna-reference §4.5), SQLite for the records (kb-database.ts), a folder for the files (kb-files.ts).
 *
 *   POST /knowledgebase/update           multipart `task`: the index JSON; records it, keeps it as index.json
 *   POST /knowledgebase/update/status    JSON {"status": 0|1, "tasks": "grp1,grp2"}: (un)deploys groups
 *   POST /knowledgebase/query            JSON {"tasks"?: [...] | "a,b"} or no body: the recorded contents
 *   POST /knowledgebase/file/upload      multipart `file` (and optional `path`, a folder inside the KB)
 *   GET  /knowledgebase/file/download?files=<path>&name=<name>
 *   GET  /knowledgebase/files/<path>     the same file by path, so a model folder's files resolve relative to it
 *
 * The update routes answer the download path of the index as a JSON string, and the upload route the file's,
 * both as the original did ("/file/download?files=...&name=..."). Errors are 4xx with {"detail": reason}: a
 * missing or corrupt file, a bad path, an unknown group; no change is applied half-way.
 * The index is JSON, not a joblib pickle (kb-index.ts); `query`, a stub in the original, is implemented.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { MalformedRequest, bearerToken, decodeComponent, guardRequests, parseJsonBounded, parseRequestUrl, verifyJobCredential } from '@sedna/api/guard';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { KB_INDEX_NAME, KbIndexError, parseKbIndex, withDeployStatus, type KbIndex } from '../kb-index.js';
import { KnowledgeBaseDatabase } from './kb-database.js';
import { KbFiles, KbPathError } from './kb-files.js';
import { DEFAULT_KB_PORT, downloadPath, KB_BASE_PATH } from './protocol.js';

export const DEFAULT_KB_DATABASE_NAME = 'lifelong_kb.sqlite3';
const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

export interface KnowledgeBaseServerOptions {
  /** Folder of the KB's files (KnowledgeBasePath); created if missing. */
  saveDir: string;
  /** Default 0.0.0.0 (all interfaces), as the original; tests use 127.0.0.1. */
  host?: string;
  /** Default 9020; 0 picks a free port. */
  port?: number;
  /** SQLite file (default <saveDir>/lifelong_kb.sqlite3), or ':memory:'. */
  database?: string;
  /** Largest request body accepted (default 512 MiB). */
  maxUploadBytes?: number;
  /**
   * The control plane's job-credential secret: every write (index, status, upload) must carry a job's
   * credential made with it (Authorization: Bearer, SEDNA_JOB_CREDENTIAL). Without it, the server is open, as the
   * original's. Downloads (GET) stay open: workers fetch models by plain URL.
   */
  credentialSecret?: string;
  log?: (line: string) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class KnowledgeBaseServer {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    readonly database: KnowledgeBaseDatabase,
    readonly files: KbFiles,
    private readonly maxUploadBytes: number,
    private readonly credentialSecret: string | undefined,
    private readonly log: (line: string) => void,
  ) {}

  static async start(options: KnowledgeBaseServerOptions): Promise<KnowledgeBaseServer> {
    const files = new KbFiles(options.saveDir);
    await files.init();
    const database = new KnowledgeBaseDatabase(options.database ?? path.join(options.saveDir, DEFAULT_KB_DATABASE_NAME));
    const holder: { kb?: KnowledgeBaseServer } = {};
    const server = createServer(guardRequests((req, res) => holder.kb?.handle(req, res), { name: 'knowledge base', log: options.log ?? console.error }));
    const kb = new KnowledgeBaseServer(server, database, files, options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES, options.credentialSecret || undefined, options.log ?? (() => {}));
    holder.kb = kb;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? DEFAULT_KB_PORT, options.host ?? '0.0.0.0', () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      database.close();
      throw error;
    }
    return kb;
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** http://host:port, with 127.0.0.1 for a server bound to every interface. */
  get url(): string {
    const { address, port } = this.address;
    const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
    return `http://${host}:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.queue.catch(() => undefined);
    this.database.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = parseRequestUrl(req.url);
      const route = url.pathname.startsWith(KB_BASE_PATH) ? url.pathname.slice(KB_BASE_PATH.length) || '/' : undefined;
      if (route === undefined) throw new HttpError(404, `no route ${url.pathname}; the knowledge base serves ${KB_BASE_PATH}/...`);
      const method = req.method ?? 'GET';
      // Writes need a job's credential; reads (GET, and the query, a POST only for its body) stay open, as the
      // index and the models are downloaded by anyone who can reach the server.
      if (method === 'POST' && route !== '/query' && this.credentialSecret) {
        const token = bearerToken(req.headers.authorization);
        if (token === undefined || verifyJobCredential(this.credentialSecret, token) === undefined) {
          req.resume();
          throw new HttpError(401, 'the knowledge base needs a job credential for writes: Authorization: Bearer $SEDNA_JOB_CREDENTIAL (the GM gives it to every worker)');
        }
      }
      if (route === '/' && method === 'GET') return sendJson(res, 200, { name: 'knowledgebase', index: this.files.resolve(KB_INDEX_NAME) });
      if (route === '/update' && method === 'POST') return sendJson(res, 200, await this.serialized(() => this.update(req)));
      if (route === '/update/status' && method === 'POST') return sendJson(res, 200, await this.serialized(() => this.updateStatus(req)));
      if (route === '/query' && method === 'POST') return sendJson(res, 200, await this.query(req));
      if (route === '/file/upload' && method === 'POST') return sendJson(res, 200, await this.upload(req));
      if (route === '/file/download' && (method === 'GET' || method === 'HEAD')) {
        const files = url.searchParams.get('files');
        if (files === null || files === '') throw new HttpError(400, 'query parameter "files" (the file to download) is required');
        return await this.sendFile(req, res, files, url.searchParams.get('name') ?? undefined);
      }
      if (route.startsWith('/files/') && (method === 'GET' || method === 'HEAD')) {
        return await this.sendFile(req, res, decodeComponent(route.slice('/files/'.length), 'the file name in the path'));
      }
      const known = ['/update', '/update/status', '/query', '/file/upload', '/file/download', '/files/'];
      throw new HttpError(known.some((r) => route === r || route.startsWith('/files/')) ? 405 : 404, `no route ${method} ${url.pathname}`);
    } catch (error) {
      const status = error instanceof HttpError || error instanceof MalformedRequest ? error.status : error instanceof KbPathError || error instanceof KbIndexError || isClientPathError(error) ? 400 : 500;
      if (status === 500) this.log(`knowledge base: ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) sendJson(res, status, { detail: (error as Error).message });
      else res.destroy();
    }
  }

  /** Runs index-changing requests one at a time, so the index file and the tables agree. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async update(req: IncomingMessage): Promise<string> {
    const form = await this.readForm(req);
    await refusePickledIndex(form, 'task', (line) => this.log(line));
    const text = await fileField(form, 'task', 'the knowledge base index (JSON)');
    const index = parseKbIndex(text, 'uploaded field "task"');
    this.database.applyIndex(index);
    await this.files.write(KB_INDEX_NAME, JSON.stringify(index));
    this.log(`knowledge base: index ${index.create_time} recorded (${index.seen_task.task_groups.length} seen, ${index.unseen_task.task_groups.length} unseen task groups)`);
    return downloadPath(KB_INDEX_NAME);
  }

  private async updateStatus(req: IncomingMessage): Promise<string> {
    const body = await this.readJson(req);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object {"status": 0 or 1, "tasks": "group1,group2"}');
    const { status, tasks } = body as { status?: unknown; tasks?: unknown };
    if (status !== 0 && status !== 1) throw new HttpError(400, `field "status" must be 0 or 1, got ${JSON.stringify(status)}`);
    const names = typeof tasks === 'string' ? tasks.split(',').map((t) => t.trim()).filter(Boolean) : Array.isArray(tasks) && tasks.every((t) => typeof t === 'string') ? (tasks as string[]) : undefined;
    if (names === undefined) throw new HttpError(400, 'field "tasks" must be a comma-separated text or a list of task group names');
    const index = await this.currentIndex();
    if (index === undefined) throw new HttpError(409, 'the knowledge base has no index yet: POST /knowledgebase/update first');
    const known = new Set(index.seen_task.task_groups.map((g) => g.entry));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0) throw new HttpError(404, `unknown task groups: ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
    const updated = withDeployStatus(index, names, status === 1);
    this.database.setDeploy(names, status === 1);
    await this.files.write(KB_INDEX_NAME, JSON.stringify(updated));
    return downloadPath(KB_INDEX_NAME);
  }

  private async query(req: IncomingMessage): Promise<unknown> {
    const body = await this.readJson(req, true);
    let only: string[] | undefined;
    if (body !== undefined && body !== null) {
      const tasks = (body as { tasks?: unknown }).tasks;
      if (typeof tasks === 'string') only = tasks.split(',').map((t) => t.trim()).filter(Boolean);
      else if (Array.isArray(tasks) && tasks.every((t) => typeof t === 'string')) only = tasks as string[];
      else if (tasks !== undefined) throw new HttpError(400, 'field "tasks" must be a comma-separated text or a list of task group names');
    }
    const index = await this.currentIndex();
    return {
      task_groups: this.database.contents(only),
      tables: this.database.tableCounts(),
      index:
        index === undefined
          ? null
          : {
              url: downloadPath(KB_INDEX_NAME),
              create_time: index.create_time,
              classes: index.classes,
              statistics: index.statistics,
              seen_task_groups: index.seen_task.task_groups.map((g) => g.entry),
              unseen_task_groups: index.unseen_task.task_groups.map((g) => g.entry),
            },
    };
  }

  private async upload(req: IncomingMessage): Promise<string> {
    const form = await this.readForm(req);
    const file = form.get('file');
    if (file === null) throw new HttpError(400, 'multipart field "file" is missing');
    if (typeof file === 'string') throw new HttpError(400, 'multipart field "file" must be a file, not text');
    const name = (file as File).name;
    if (!name || name.includes('/') || name.includes('\\') || name === '.' || name === '..') throw new HttpError(400, `the uploaded file's name ${JSON.stringify(name)} is not a plain file name`);
    const folder = form.get('path');
    if (folder !== null && typeof folder !== 'string') throw new HttpError(400, 'multipart field "path" must be text (a folder inside the knowledge base)');
    const relative = folder ? `${KbFiles.checkRelative(folder, 'field "path"')}/${name}` : name;
    const written = await this.files.write(relative, new Uint8Array(await (file as Blob).arrayBuffer()));
    return downloadPath(written, name);
  }

  private async sendFile(req: IncomingMessage, res: ServerResponse, relative: string, name?: string): Promise<void> {
    const file = await this.files.existingFile(relative);
    if (file === undefined) throw new HttpError(404, `no file ${JSON.stringify(relative)} in the knowledge base`);
    const headers: Record<string, string | number> = { 'content-type': contentType(file.path), 'content-length': file.size };
    // Printable ASCII only: any other character in a header makes writeHead throw.
    if (name) headers['content-disposition'] = `attachment; filename="${name.replace(/["\\]|[^\x20-\x7e]/g, '_')}"`;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(file.path);
      stream.on('error', reject);
      res.on('close', resolve);
      stream.pipe(res);
    });
  }

  private async currentIndex(): Promise<KbIndex | undefined> {
    const file = await this.files.existingFile(KB_INDEX_NAME);
    if (file === undefined) return undefined;
    return parseKbIndex(await readFile(file.path, 'utf8'), `the knowledge base's ${KB_INDEX_NAME}`);
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > this.maxUploadBytes) throw new HttpError(413, `the body (${declared} bytes) is larger than the limit of ${this.maxUploadBytes} bytes`);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of req) {
      total += (chunk as Buffer).length;
      if (total > this.maxUploadBytes) throw new HttpError(413, `the body is larger than the limit of ${this.maxUploadBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  private async readForm(req: IncomingMessage): Promise<FormData> {
    const type = req.headers['content-type'] ?? '';
    if (!type.toLowerCase().startsWith('multipart/form-data')) throw new HttpError(415, `the body must be multipart/form-data, got ${type === '' ? 'no content type' : JSON.stringify(type)}`);
    const body = await this.readBody(req);
    try {
      return await new Response(body, { headers: { 'content-type': type } }).formData();
    } catch (error) {
      throw new HttpError(400, `the body is not valid multipart/form-data: ${(error as Error).message}`);
    }
  }

  private async readJson(req: IncomingMessage, optional = false): Promise<unknown> {
    const body = await this.readBody(req);
    if (body.length === 0) {
      if (optional) return undefined;
      throw new HttpError(400, 'the body must be JSON');
    }
    return parseJsonBounded(body.toString('utf8'), { what: 'the body' });
  }
}

/** Where users find the converter of the original lib's joblib index (see examples/python_compat/README.md). */
export const KB_INDEX_CONVERTER = 'examples/python_compat/kb_index_to_json.py';

/**
 * The original lib's KBClient.update_db uploads its index as a joblib pickle of Python objects (Task, TaskGroup,
 * numpy arrays), which only Python with the sedna package can read. Such an upload is refused at once with 415 and
 * a reason that says which format to send and how to convert; the pickle is never loaded (unpickling runs code).
 * (The original client repeats any non-200 answer 5 times, 3 s apart, then carries on with its local index.)
 */
async function refusePickledIndex(form: FormData, field: string, log: (line: string) => void): Promise<void> {
  const value = form.get(field);
  if (value === null || typeof value === 'string') return;
  const head = new Uint8Array(await (value as Blob).slice(0, 2).arrayBuffer());
  // Pickle protocols 2-5 begin with the PROTO opcode 0x80; joblib's compressed files with the zlib or gzip magic.
  const pickled = head[0] === 0x80 || (head[0] === 0x78 && (head[1] === 0x01 || head[1] === 0x5e || head[1] === 0x9c || head[1] === 0xda)) || (head[0] === 0x1f && head[1] === 0x8b);
  if (!pickled) return;
  const reason =
    `multipart field "${field}" is a Python pickle (the original lib's joblib index.pkl); this knowledge base takes the index as JSON ` +
    `("format": "sedna-kb-index/v1", see packages/lib/src/core/lifelong_learning/kb-index.ts). Convert it with ${KB_INDEX_CONVERTER} ` +
    `(run with a Python that has the sedna package), or use this project's LifelongLearning, which writes JSON`;
  log(`knowledge base: refused an index upload: ${reason}`);
  throw new HttpError(415, reason);
}

async function fileField(form: FormData, field: string, what: string): Promise<string> {
  const value = form.get(field);
  if (value === null) throw new HttpError(400, `multipart field "${field}" (${what}) is missing`);
  if (typeof value === 'string') throw new HttpError(400, `multipart field "${field}" must be a file (${what}), not text`);
  const text = await (value as Blob).text();
  if (text.trim() === '') throw new HttpError(400, `multipart field "${field}" is an empty file`);
  return text;
}

/** File system errors a client's name causes (too long, a folder where a file is expected): 400, not 500. */
function isClientPathError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENAMETOOLONG' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY';
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function contentType(file: string): string {
  return file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
}
