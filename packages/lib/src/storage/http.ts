/** http(s):// side of the storage layer: GET to download, PUT to upload, HEAD for existence. */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export interface HttpOptions {
  /** Limit for a whole request, body included (default 300 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class HttpBackend {
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HttpOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async downloadToFile(url: string, file: string): Promise<void> {
    const response = await this.request(url, 'GET');
    if (!response.body) throw new Error('the response has no body');
    await mkdir(path.dirname(file), { recursive: true });
    await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>), createWriteStream(file));
  }

  async readBytes(url: string): Promise<Uint8Array> {
    const response = await this.request(url, 'GET');
    return new Uint8Array(await response.arrayBuffer());
  }

  async uploadFile(file: string, url: string): Promise<void> {
    await this.writeBytes(url, await readFile(file));
  }

  async writeBytes(url: string, data: Uint8Array): Promise<void> {
    const response = await this.request(url, 'PUT', data);
    await response.arrayBuffer();
  }

  /** HEAD: 2xx is true, 404 and 410 are false, anything else is an error. */
  async exists(url: string): Promise<boolean> {
    const response = await this.fetchWithTimeout(url, { method: 'HEAD' });
    if (response.ok) return true;
    if (response.status === 404 || response.status === 410) return false;
    throw new HttpFailure(response.status, `HTTP ${response.status} ${response.statusText}`.trim());
  }

  private async request(url: string, method: 'GET' | 'PUT', body?: Uint8Array): Promise<Response> {
    const response = await this.fetchWithTimeout(url, {
      method,
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/octet-stream' } }),
    });
    if (!response.ok) {
      const detail = (await response.text().catch(() => '')).trim().slice(0, 200);
      throw new HttpFailure(response.status, `HTTP ${response.status} ${response.statusText}${detail ? `: ${detail}` : ''}`.trim());
    }
    return response;
  }

  private async fetchWithTimeout(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new Error(`no complete answer within ${this.timeoutMs} ms`, { cause: err });
      throw err;
    }
  }
}
