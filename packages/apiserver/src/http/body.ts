/** Reading request bodies with a size limit, as JSON or YAML. */
import type { IncomingMessage } from 'node:http';
import { MalformedRequest, parseJsonBounded, parseYamlBounded } from '@sedna/api/guard';
import { errors } from './errors.js';
import { decodeKubernetesProtobuf, UnsupportedProtobufKind } from './protobuf/decode.js';

export const DEFAULT_BODY_LIMIT = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let over = Number.isFinite(declared) && declared > limit;
    if (over) {
      // Drain what the client still sends so that the connection stays healthy, and answer at once.
      req.resume();
      reject(errors.tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(errors.tooLarge(limit));
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** Parses a body by its media type; YAML is accepted where JSON is, as the real server does. */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type === PROTOBUF && raw.length > 0) return parseProtobuf(raw);
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  if (!type.includes('json') && !type.includes('yaml') && type !== '' && type !== '*/*') {
    throw errors.unsupportedMediaType(`the body of the request was in an unknown format (${type}) - accepted media types include: application/json, application/yaml`);
  }
  // Depth and alias limits are checked before parsing: a deeply nested body must cost a 400, not the process.
  try {
    return type.includes('yaml') ? parseYamlBounded(text) : parseJsonBounded(text);
  } catch (err) {
    if (err instanceof MalformedRequest) throw errors.badRequest(err.message);
    throw err;
  }
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** kubectl's generators send the kinds they create as protobuf: those are decoded, other kinds answered 415. */
function parseProtobuf(raw: Buffer): unknown {
  try {
    return decodeKubernetesProtobuf(raw);
  } catch (err) {
    if (err instanceof UnsupportedProtobufKind) throw errors.unsupportedMediaType(err.message);
    throw errors.badRequest(`the request body is not a valid Kubernetes protobuf message: ${(err as Error).message}`);
  }
}
