/**
 * fast-check arbitraries of hostile HTTP requests for one endpoint: request targets that are not URLs, broken
 * percent-encoding, nasty query values, headers with bytes a header may not hold, wrong media types, bodies that are
 * deep, aliased, huge or not text at all, and websocket upgrades. Most requests carry the endpoint's valid token, so
 * that fuzzing reaches past authentication into the handlers.
 */
import fc from 'fast-check';
import type { RawTarget } from './raw-http.js';

export interface FuzzEndpoint extends RawTarget {
  name: string;
  /** Paths the endpoint serves: starting points that mutations keep close to real routes. */
  paths: string[];
  /** Bearer token the endpoint expects, sent with most requests. */
  token?: string;
  /** Media types it reads. */
  contentTypes: string[];
  /** A websocket endpoint: some requests are upgrades. */
  websocket?: boolean;
  /** Extra headers every authenticated request carries (e.g. the node name for the hub). */
  headers?: Record<string, string>;
  /** Bodies it accepts, mutated by the fuzzer. */
  bodies?: unknown[];
  /** The request its bodies go with: a share of the campaign sends well-formed requests with them. */
  accepts?: { method: string; path: string; contentType: string };
}

const NASTY_SEGMENTS = ['//[', '[', '%', '%zz', '%E0%A4%A', '%00', '%2e%2e/%2e%2e', '..', '../..', '%2F', '~', '\u00e9', '\ud800', '?', '#', ';', '@', ':', '//', '/./', '*', '%25', '%c0%ae'];
const NASTY_VALUES = ['', '-1', 'NaN', '1e309', '99999999999999999999', 'abc', '%', '%zz', 'true', 'null', '[', '{}', '\u0000', 'a'.repeat(2000), '../../etc/passwd', '/etc/passwd', '..'];
const QUERY_KEYS = ['tailLines', 'limit', 'watch', 'follow', 'labelSelector', 'fieldSelector', 'files', 'name', 'client_id', 'resourceVersion', 'timeoutSeconds', 'dryRun', 'fieldValidation', 'propagationPolicy', 'continue', 'previous', 'container', 'gracePeriodSeconds', 'allowWatchBookmarks', 'sendInitialEvents'];
const MEDIA_TYPES = ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/vnd.kubernetes.protobuf', 'multipart/form-data; boundary=x', 'multipart/form-data', 'text/xml', 'application/octet-stream', 'application/x-sedna-tensor', 'text/plain; charset=\u00ff', ''];

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyByteString = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 });

function nested(depth: number, kind: number): string {
  switch (kind % 4) {
    case 0:
      return '['.repeat(depth) + ']'.repeat(depth);
    case 1:
      return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    case 2:
      return '{"metadata":{"name":"x","labels":' + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + '}}';
    default:
      return JSON.stringify({ Status: 200 }).slice(0, -1) + ',"results":' + '['.repeat(depth) + ']'.repeat(depth) + '}';
  }
}

function deepYaml(depth: number, kind: number): string {
  switch (kind % 3) {
    case 0:
      return Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n';
    case 1:
      return '- '.repeat(depth) + 'x\n';
    default:
      return 'a: &a [x, x, x, x, x, x, x, x, x]\n' + Array.from({ length: Math.min(depth, 30) }, (_, i) => `${String.fromCharCode(98 + (i % 20))}${i}: &a${i + 1} [${Array(9).fill(i === 0 ? '*a' : `*a${i}`).join(', ')}]`).join('\n') + '\n';
  }
}

function multipart(name: string, content: string): string {
  return `--x\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n--x\r\nContent-Disposition: form-data; name="path"\r\n\r\n${name}\r\n--x--\r\n`;
}

/** A body: empty, random JSON, deep JSON or YAML, an alias bomb, a valid body mutated, multipart, or random bytes. */
function bodies(endpoint: FuzzEndpoint): fc.Arbitrary<Buffer> {
  const valid = endpoint.bodies && endpoint.bodies.length > 0 ? endpoint.bodies : [{}];
  return fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc.tuple(fc.integer({ min: 50, max: 6000 }), fc.nat()).map(([d, k]) => Buffer.from(nested(d, k))),
    fc.tuple(fc.integer({ min: 50, max: 3000 }), fc.nat()).map(([d, k]) => Buffer.from(deepYaml(d, k))),
    fc.tuple(fc.constantFrom(...valid), fc.dictionary(fc.constantFrom('metadata', 'spec', 'status', 'name', 'namespace', 'ownerName', 'ownerKind', 'kind', 'results', 'ownerInfo', 'data', 'apiVersion'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 })).map(([v, patch]) =>
      Buffer.from(JSON.stringify(typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v, ...patch } : patch)),
    ),
    fc.constantFrom(...valid).map((v) => Buffer.from(JSON.stringify(v))),
    fc.tuple(fc.oneof(printable, anyByteString, fc.constant('a'.repeat(300)), fc.constant('.'), fc.constant('x/../../y')), printable).map(([n, c]) => Buffer.from(multipart(n, c), 'latin1')),
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
  );
}

function targets(endpoint: FuzzEndpoint): fc.Arbitrary<string> {
  const path = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...endpoint.paths) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...endpoint.paths), fc.constantFrom(...NASTY_SEGMENTS), fc.nat()).map(([p, n, at]) => p.slice(0, at % (p.length + 1)) + n + p.slice(at % (p.length + 1))) },
    { weight: 1, arbitrary: fc.constantFrom('//[', '*', 'http://evil.invalid/', 'localhost:80', '/' + 'a'.repeat(9000), '/%', '/%zz%', '//', '/\u00ff') },
    { weight: 1, arbitrary: printable.map((s) => `/${s}`) },
    { weight: 1, arbitrary: anyByteString.map((s) => `/${s.replace(/[\s]/g, '')}`) },
  );
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), printable), fc.oneof(fc.constantFrom(...NASTY_VALUES), printable)), { maxLength: 4 });
  return fc.tuple(path, query).map(([p, q]) => (q.length === 0 ? p : `${p}${p.includes('?') ? '&' : '?'}${q.map(([k, v]) => `${k}=${v}`).join('&')}`));
}

function headers(endpoint: FuzzEndpoint): fc.Arbitrary<Array<[string, string]>> {
  const auth = fc.oneof(
    { weight: 6, arbitrary: fc.constant(endpoint.token ? [['Authorization', `Bearer ${endpoint.token}`]] : []) },
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: anyByteString.map((v) => [['Authorization', `Bearer ${v}`]]) },
  );
  const type = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...(endpoint.contentTypes.length > 0 ? endpoint.contentTypes : MEDIA_TYPES)) }, { weight: 3, arbitrary: fc.constantFrom(...MEDIA_TYPES) }, { weight: 1, arbitrary: anyByteString }).map((t) => [['Content-Type', t]]);
  const upgradeHeaders: Array<[string, string]> = [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']];
  const none: Array<[string, string]> = [];
  const upgrade = endpoint.websocket ? fc.oneof(fc.constant(none), fc.constant(upgradeHeaders)) : fc.constant(none);
  const extra = fc.oneof(
    { weight: 4, arbitrary: fc.constant([] as Array<[string, string]>) },
    { weight: 2, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom('Accept', 'Node-Name', 'Content-Encoding', 'Expect', 'Range', 'X-Forwarded-For'), printable), fc.oneof(printable, fc.constantFrom('application/json;as=Table;v=v1;g=meta.k8s.io', '100-continue', 'gzip', 'edge-1', 'bytes=0-1'))), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(fc.tuple(printable, anyByteString), { minLength: 1, maxLength: 2 }) },
  );
  const own = Object.entries(endpoint.headers ?? {});
  return fc.tuple(auth, type, upgrade, extra).map(([a, t, u, e]) => [...own, ...(a as Array<[string, string]>), ...(t as Array<[string, string]>), ...u, ...e]);
}

function frame(method: string, target: string, headers: Array<[string, string]>, body: Buffer): Buffer {
  // Transfer-Encoding and Content-Length together are refused by the parser; keep the body framed by length.
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: localhost', ...headers.filter(([k]) => k.toLowerCase() !== 'transfer-encoding' && k.toLowerCase() !== 'content-length').map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`, 'Connection: close'];
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
}

/** Well-formed requests with the endpoint's bodies, lightly mutated: they reach the handlers' deepest paths. */
function acceptedRequests(endpoint: FuzzEndpoint): fc.Arbitrary<Buffer> | undefined {
  const accepts = endpoint.accepts;
  const valid = endpoint.bodies;
  if (!accepts || !valid || valid.length === 0) return undefined;
  const auth: Array<[string, string]> = endpoint.token ? [['Authorization', `Bearer ${endpoint.token}`]] : [];
  return fc
    .tuple(fc.constantFrom(...valid), fc.option(fc.tuple(fc.constantFrom('ownerName', 'ownerKind', 'kind', 'status', 'results', 'ownerInfo', 'namespace'), fc.jsonValue({ maxDepth: 2 })), { freq: 3 }))
    .map(([body, change]) => frame(accepts.method, accepts.path, [...Object.entries(endpoint.headers ?? {}), ...auth, ['Content-Type', accepts.contentType]], Buffer.from(JSON.stringify(change && typeof body === 'object' ? { ...body, [change[0]]: change[1] } : body))));
}

/** Requests as bytes, ready for sendRaw. */
export function hostileRequests(endpoint: FuzzEndpoint): fc.Arbitrary<Buffer> {
  const hostile = hostileOnly(endpoint);
  const accepted = acceptedRequests(endpoint);
  return accepted ? fc.oneof({ weight: 3, arbitrary: hostile }, { weight: 1, arbitrary: accepted }) : hostile;
}

function hostileOnly(endpoint: FuzzEndpoint): fc.Arbitrary<Buffer> {
  const method = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') }, { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/) });
  return fc.tuple(method, targets(endpoint), headers(endpoint), bodies(endpoint)).map(([m, t, h, body]) => frame(m, t, h, body));
}
