/**
 * Fetches one URL into a file, through a `.part` file: http(s) with a resumable download when the server answers
 * a Range request with 206 (a `.part` left by an interrupted run is continued), `file://` by copy, `s3://` through
 * the lib's storage (S3_ENDPOINT_URL, ACCESS_KEY_ID, SECRET_ACCESS_KEY). Progress goes to `log` about once a
 * second. A full disk, a refused connection or a stalled server fail with a message that says which.
 */
import { createReadStream, createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { download as storageDownload } from '@sedna/lib/storage';

export interface FetchOptions {
  log: (line: string) => void;
  /** Give up when no byte arrives for this long (default 30 s). */
  stallMs?: number;
}

export interface FetchStats {
  bytes: number;
  /** Bytes taken over from an earlier partial download. */
  resumedFrom: number;
  seconds: number;
}

export class DiskFullError extends Error {}

export async function fetchToFile(url: string, target: string, options: FetchOptions): Promise<FetchStats> {
  const part = `${target}.part`;
  const started = Date.now();
  let stats: { bytes: number; resumedFrom: number };
  try {
    if (url.startsWith('http://') || url.startsWith('https://')) stats = await fetchHttp(url, part, options);
    else if (url.startsWith('file://')) stats = await copyWithProgress(fileURLToPath(url), part, options);
    else if (url.startsWith('s3://')) {
      rmSync(part, { force: true });
      await storageDownload(url, part);
      stats = { bytes: statSync(part).size, resumedFrom: 0 };
    } else throw new Error(`unsupported URL scheme in ${url} (http, https, file and s3 are supported)`);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT') {
      // Nothing half-written stays behind to fill the disk further.
      rmSync(part, { force: true });
      throw new DiskFullError(`the disk is full while writing ${part}; the partial file was removed (free space and run again)`);
    }
    throw err;
  }
  await rename(part, target);
  return { ...stats, seconds: (Date.now() - started) / 1000 };
}

function progress(total: number | undefined, startAt: number, log: (line: string) => void, label: string): Transform {
  let seen = startAt;
  let last = Date.now();
  const begun = Date.now();
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      const now = Date.now();
      if (now - last >= 1000) {
        last = now;
        const mb = (seen / 1e6).toFixed(1);
        const rate = ((seen - startAt) / 1e6 / Math.max(0.001, (now - begun) / 1000)).toFixed(1);
        log(`${label}: ${mb} MB${total ? ` of ${(total / 1e6).toFixed(1)} MB (${((100 * seen) / total).toFixed(0)} %)` : ''}, ${rate} MB/s`);
      }
      cb(null, chunk);
    },
    flush(cb) {
      log(`${label}: ${(seen / 1e6).toFixed(2)} MB${startAt > 0 ? ` (resumed at ${(startAt / 1e6).toFixed(2)} MB)` : ''}`);
      cb();
    },
  });
}

async function copyWithProgress(source: string, part: string, options: FetchOptions): Promise<{ bytes: number; resumedFrom: number }> {
  const size = statSync(source).size;
  await pipeline(createReadStream(source), progress(size, 0, options.log, `copying ${source}`), createWriteStream(part));
  return { bytes: size, resumedFrom: 0 };
}

function request(url: string, headers: Record<string, string>, stallMs: number): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const get = url.startsWith('https://') ? httpsGet : httpGet;
    const req = get(url, { headers }, resolvePromise);
    req.setTimeout(stallMs, () => req.destroy(new Error(`no answer within ${stallMs / 1000} s`)));
    req.on('error', reject);
  });
}

async function fetchHttp(url: string, part: string, options: FetchOptions, redirects = 5): Promise<{ bytes: number; resumedFrom: number }> {
  const stallMs = options.stallMs ?? 30_000;
  const have = existsSync(part) ? statSync(part).size : 0;
  const res = await request(url, have > 0 ? { range: `bytes=${have}-` } : {}, stallMs);
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
    res.resume();
    return fetchHttp(new URL(res.headers.location, url).href, part, options, redirects - 1);
  }
  if (status === 416 && have > 0) {
    // The part is already whole (or longer than the file): start over rather than guess.
    res.resume();
    rmSync(part, { force: true });
    return fetchHttp(url, part, options, redirects);
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new Error(`${url} answered HTTP ${status}`);
  }
  const resumed = status === 206 ? have : 0;
  if (have > 0) options.log(status === 206 ? `resuming ${url} at byte ${have}` : `${url}: the server does not resume (HTTP ${status}); downloading from the start`);
  const length = Number(res.headers['content-length'] ?? Number.NaN);
  const total = Number.isFinite(length) ? length + resumed : undefined;
  res.setTimeout(stallMs, () => res.destroy(new Error(`the download stalled for ${stallMs / 1000} s`)));
  await pipeline(res, progress(total, resumed, options.log, `downloading ${url}`), createWriteStream(part, { flags: resumed > 0 ? 'a' : 'w' }));
  const bytes = statSync(part).size;
  if (total !== undefined && bytes !== total) throw new Error(`${url}: got ${bytes} of ${total} bytes (the connection ended early; run again to resume)`);
  return { bytes, resumedFrom: resumed };
}
