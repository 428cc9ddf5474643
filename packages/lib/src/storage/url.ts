/**
 * The URLs the storage layer understands: local paths and file:// URLs, http(s):// and
 * s3://bucket/key. gs:// is recognised (the original FileOps accepted it but did nothing) and reported
 * as not implemented rather than silently ignored.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type StorageLocation =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string };

export function parseStorageUrl(url: string): StorageLocation {
  if (typeof url !== 'string' || url.trim() === '') throw new Error(`storage URL must be a non-empty string; got ${JSON.stringify(url)}`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'local', path: path.resolve(url) };
  switch (scheme) {
    case 'file':
      try {
        return { kind: 'local', path: fileURLToPath(url) };
      } catch (err) {
        throw new Error(`${url} is not a valid file:// URL: ${(err as Error).message}`, { cause: err });
      }
    case 'http':
    case 'https':
      return { kind: 'http', url };
    case 's3': {
      const rest = url.slice('s3://'.length);
      const slash = rest.indexOf('/');
      const bucket = slash < 0 ? rest : rest.slice(0, slash);
      const key = slash < 0 ? '' : rest.slice(slash + 1);
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
        throw new Error(`${url}: "${bucket}" is not a valid S3 bucket name`);
      }
      return { kind: 's3', bucket, key };
    }
    case 'gs':
      throw new Error(`${url}: Google Cloud Storage (gs://) is not implemented`);
    default:
      throw new Error(`${url}: unsupported URL scheme "${scheme}://" (use a local path, file://, http(s):// or s3://)`);
  }
}

/** Joins path segments onto a storage URL with '/' (s3 and http) or the platform separator (local). */
export function joinStorageUrl(base: string, ...segments: string[]): string {
  const location = parseStorageUrl(base);
  const cleaned = segments.map((s) => s.replace(/^\/+|\/+$/g, '')).filter((s) => s.length > 0);
  if (location.kind === 'local' && !/^file:\/\//i.test(base)) return path.join(base, ...cleaned);
  return [base.replace(/\/+$/, ''), ...cleaned].join('/');
}
