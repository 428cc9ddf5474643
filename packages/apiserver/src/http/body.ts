/** Reading request bodies with a size limit, as JSON or YAML. */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors } from './errors.js';

export const DEFAULT_BODY_LIMIT = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw errors.tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw errors.tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses a body by its media type; YAML is accepted where JSON is, as the real server does. */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type.includes('yaml')) {
    try {
      return parseYaml(text);
    } catch (err) {
      throw errors.badRequest(`the request body is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw errors.badRequest(`the request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
