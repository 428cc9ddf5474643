/** PromQL instant queries against a Prometheus the tests started (its HTTP API), shared by the examples' tests. */
import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** A GET over HTTP or HTTPS (options carry the CA, a client certificate, headers); the whole body as text. */
export function httpGet(url: string, options: https.RequestOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).get(url, options, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** One instant query: the result vector as labels and value. */
export async function promQuery(promUrl: string, promql: string): Promise<PromSample[]> {
  const r = await httpGet(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = JSON.parse(r.body) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${r.body}`);
  return body.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
}

/** The value of a query that yields one series, or undefined while it yields none or several. */
export async function promScalar(promUrl: string, promql: string): Promise<number | undefined> {
  const result = await promQuery(promUrl, promql);
  return result.length === 1 ? result[0]!.value : undefined;
}
