/**
 * Parsing request targets without trusting them. `new URL(req.url, base)` throws on a target such as `//[` (read as
 * a protocol-relative URL with an invalid host); that exception, out of a request handler, used to end the process.
 */
import { MalformedRequest } from './malformed.js';

const BASE = 'http://request.invalid';

/** The URL of a request target in origin form (`/path?query`); a target in any other form is refused with 400. */
export function parseRequestUrl(target: string | undefined): URL {
  const raw = target ?? '/';
  if (!raw.startsWith('/')) throw new MalformedRequest(400, `the request target must be a path starting with "/", got ${JSON.stringify(raw.slice(0, 200))}`);
  let url: URL;
  try {
    // Appended to a fixed origin, never resolved against it: `//host` stays a path and cannot change the host.
    url = new URL(BASE + raw);
  } catch {
    throw new MalformedRequest(400, `the request target is not a valid URL path: ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (url.origin !== BASE) throw new MalformedRequest(400, `the request target is not a valid URL path: ${JSON.stringify(raw.slice(0, 200))}`);
  return url;
}

/** decodeURIComponent that refuses malformed percent-encoding with 400 naming what was being decoded. */
export function decodeComponent(value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new MalformedRequest(400, `${what} is not valid percent-encoding: ${JSON.stringify(value.slice(0, 200))}`);
  }
}
