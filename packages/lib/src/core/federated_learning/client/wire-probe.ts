/**
 * Which wire an aggregator speaks, asked before subscribing: `GET /<aggregation>` is the original's client_info
 * route. An aggregator of this lib adds `"wires": ["binary", "json"]` to its answer; the original answers
 * `{"clients": [...]}` only, and takes the original's JSON messages.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Wire } from '../protocol.js';
import { AggregatorRefusedWorker, credentialHeaders } from './connection.js';

/** The aggregator's HTTP URL for its websocket URL (ws -> http, wss -> https). */
export function httpUrlOf(websocketUrl: string): string {
  return websocketUrl.replace(/^ws(s?):\/\//i, 'http$1://');
}

/** Resolves with the wire to use; rejects when the aggregator cannot be reached (the caller retries). */
export function probeAggregatorWire(websocketUrl: string, timeoutMs: number, credential?: string): Promise<Wire> {
  const url = httpUrlOf(websocketUrl);
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { accept: 'application/json', ...credentialHeaders(credential) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 401 || res.statusCode === 403) return reject(new AggregatorRefusedWorker(`GET ${url} answered HTTP ${res.statusCode}: ${text.slice(0, 500)}`));
        if ((res.statusCode ?? 0) >= 500) return reject(new Error(`GET ${url} answered HTTP ${res.statusCode}`));
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const wires = (body as { wires?: unknown } | undefined)?.wires;
        resolve(Array.isArray(wires) && wires.includes('binary') ? 'binary' : 'json');
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(new Error(`cannot ask the aggregator at ${url} which wire it speaks: ${error.message}`, { cause: error })));
    req.end();
  });
}
