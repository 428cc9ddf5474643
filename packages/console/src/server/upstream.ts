/**
 * The Kubernetes API a console server beside the GM talks to (`sedna console`): its URL and how to trust its
 * certificate. Requests carry the token the USER logged in with, never a credential of the console's own, so the
 * console has exactly the API's authorization for each user and needs no RBAC of its own.
 */
import http from 'node:http';
import https from 'node:https';

export interface KubeUpstream {
  /** The API server, e.g. https://10.96.0.1:443 (a path prefix is kept). */
  url: URL;
  /** PEM of the CA that signed its certificate (else the system's CAs). */
  ca?: string | Buffer;
  /** The kubeconfig's insecure-skip-tls-verify. */
  insecure?: boolean;
}

export interface UpstreamRequest {
  method: string;
  /** Path and query, e.g. /api/v1/pods?watch=1. */
  path: string;
  headers: http.OutgoingHttpHeaders;
  signal?: AbortSignal;
}

/** Headers of a browser's request that go on to the API: what it needs to authorize and read the request. */
const FORWARDED = ['authorization', 'accept', 'content-type', 'content-length', 'impersonate-user', 'impersonate-group'];

export function forwardedHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const name of FORWARDED) {
    const value = req.headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Starts a request to the API; the caller writes the body (or ends it) and reads the answer. */
export function upstreamRequest(upstream: KubeUpstream, r: UpstreamRequest): http.ClientRequest {
  const base = upstream.url.pathname.replace(/\/$/, '');
  const options: https.RequestOptions = {
    protocol: upstream.url.protocol,
    hostname: upstream.url.hostname.replace(/^\[|\]$/g, ''),
    port: upstream.url.port || (upstream.url.protocol === 'https:' ? 443 : 80),
    method: r.method,
    path: `${base}${r.path}`,
    headers: r.headers,
    ...(r.signal ? { signal: r.signal } : {}),
  };
  if (upstream.url.protocol === 'https:') {
    return https.request({ ...options, ...(upstream.ca ? { ca: upstream.ca } : {}), rejectUnauthorized: !upstream.insecure });
  }
  return http.request(options);
}

/** A GET answered in full: status and body text. */
export function upstreamGet(upstream: KubeUpstream, path: string, headers: http.OutgoingHttpHeaders, signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = upstreamRequest(upstream, { method: 'GET', path, headers, ...(signal ? { signal } : {}) });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
