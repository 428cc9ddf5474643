/**
 * The workers' client of the knowledge base server (the original KBClient). Relative answers of the server
 * ("/file/download?files=...") become absolute URLs under `<KB_SERVER>/knowledgebase`. Network errors and 5xx are
 * retried a few times; a 4xx fails at once with the server's reason.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { KbIndex } from './kb-index.js';
import type { KbGroupContents } from './kb-server/kb-database.js';
import { KB_BASE_PATH } from './kb-server/protocol.js';
import { JOB_CREDENTIAL_ENV } from '@sedna/api/guard';

export interface KBClientOptions {
  /** Requests in total per call, the first included (default 3). */
  attempts?: number;
  /** Limit per request (default 60 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** The job's credential for the knowledge base's writes (default: SEDNA_JOB_CREDENTIAL of the environment). */
  credential?: string;
}

export interface KbQueryResult {
  task_groups: KbGroupContents[];
  tables: Record<string, number>;
  index: null | {
    url: string;
    create_time: string;
    classes: string[];
    statistics: KbIndex['statistics'];
    seen_task_groups: string[];
    unseen_task_groups: string[];
  };
}

export class KBError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KBError';
  }
}

export class KBClient {
  /** `<KB_SERVER>/knowledgebase` */
  readonly base: string;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly credential: string | undefined;

  constructor(kbServer: string, options: KBClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(kbServer);
    } catch (error) {
      throw new Error(`KB_SERVER must be an http(s) URL; got ${JSON.stringify(kbServer)}`, { cause: error });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`KB_SERVER must be an http(s) URL; got ${JSON.stringify(kbServer)}`);
    this.base = `${kbServer.replace(/\/+$/, '')}${KB_BASE_PATH}`;
    this.attempts = options.attempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.fetchImpl = options.fetch ?? fetch;
    this.credential = options.credential ?? (process.env[JOB_CREDENTIAL_ENV] || undefined);
  }

  /** The absolute URL of a file of the KB folder, by path (model folders resolve their other files from it). */
  fileUrl(relative: string): string {
    return `${this.base}/files/${relative.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Uploads a local file (or bytes named `name`) into `folder` of the KB; returns its absolute URL by path. */
  async uploadFile(source: string | { name: string; data: Uint8Array | string }, folder?: string): Promise<string> {
    const name = typeof source === 'string' ? path.basename(source) : source.name;
    const data = typeof source === 'string' ? await readFile(source) : typeof source.data === 'string' ? Buffer.from(source.data) : source.data;
    const form = new FormData();
    form.set('file', new Blob([data]), name);
    if (folder) form.set('path', folder);
    await this.request('/file/upload', { method: 'POST', body: form });
    return this.fileUrl(folder ? `${folder}/${name}` : name);
  }

  /** Records an index in the KB (the original update_db); returns the absolute URL of the KB's copy. */
  async updateDb(index: KbIndex | string): Promise<string> {
    const form = new FormData();
    form.set('task', new Blob([typeof index === 'string' ? index : JSON.stringify(index)], { type: 'application/json' }), 'index.json');
    return this.absolute(await this.request('/update', { method: 'POST', body: form }));
  }

  /** Deploys (1) or withdraws (0) task groups; returns the absolute URL of the rewritten index. */
  async updateTaskStatus(groups: readonly string[], status: 0 | 1): Promise<string> {
    const body = JSON.stringify({ status, tasks: groups.join(',') });
    return this.absolute(await this.request('/update/status', { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
  }

  async query(groups?: readonly string[]): Promise<KbQueryResult> {
    const body = groups === undefined ? undefined : JSON.stringify({ tasks: groups });
    return (await this.request('/query', { method: 'POST', ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}) })) as KbQueryResult;
  }

  private absolute(answer: unknown): string {
    if (typeof answer !== 'string' || answer === '') throw new KBError(`the knowledge base answered ${JSON.stringify(answer)} where a file path was expected`);
    return /^https?:\/\//.test(answer) ? answer : `${this.base}${answer.startsWith('/') ? '' : '/'}${answer}`;
  }

  private async request(route: string, init: RequestInit): Promise<unknown> {
    const url = `${this.base}${route}`;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 300 * 2 ** (attempt - 2)));
      let response: Response;
      try {
        const headers = new Headers(init.headers);
        if (this.credential) headers.set('authorization', `Bearer ${this.credential}`);
        response = await this.fetchImpl(url, { ...init, headers, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (error) {
        lastError = new KBError(`knowledge base ${url}: ${(error as Error).message}${(error as Error).cause instanceof Error ? ` (${((error as Error).cause as Error).message})` : ''}`, undefined, { cause: error });
        continue;
      }
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      if (response.ok) return body;
      const detail = typeof (body as { detail?: unknown })?.detail === 'string' ? (body as { detail: string }).detail : text.slice(0, 300);
      lastError = new KBError(`knowledge base ${url} answered ${response.status}: ${detail}`, response.status);
      if (response.status < 500) break;
    }
    throw lastError;
  }
}
