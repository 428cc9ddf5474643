/** Reading request bodies with a size limit checked before and while reading. */
import type { IncomingMessage } from 'node:http';
import { MalformedRequest } from './malformed.js';

/**
 * The whole body, or a 413 MalformedRequest as soon as it would pass `limit` bytes (from Content-Length when given,
 * else while reading). The rest of an oversized body is drained, not buffered; callers should close the connection.
 */
export function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new MalformedRequest(413, `the request body is larger than ${limit} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      chunks.length = 0;
      req.resume();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', (error) => reject(new MalformedRequest(400, `the request body could not be read: ${error.message}`)));
    req.once('aborted', () => reject(new MalformedRequest(400, 'the client aborted the request')));
  });
}
