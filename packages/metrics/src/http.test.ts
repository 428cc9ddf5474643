import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { componentRegistry } from './registry.js';
import { startMetricsListener, type MetricsListener } from './http.js';

let listener: MetricsListener;
const registry = componentRegistry('worker');
new Counter({ name: 'sedna_test_things_total', help: 'things', registers: [registry] }).inc(3);

function get(path: string, accept?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: listener.port, path, headers: accept ? { accept } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  listener = await startMetricsListener({ host: '127.0.0.1', port: 0 }, registry);
});
afterAll(() => listener.close());

describe('the metrics listener', () => {
  it('serves the text format, OpenMetrics on request, and the text format again unchanged after it', async () => {
    const text = await get('/metrics');
    expect(text.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text.body).toMatch(/^sedna_test_things_total 3$/m);
    const om = await get('/metrics', 'application/openmetrics-text; version=1.0.0,text/plain;q=0.5');
    expect(om.type).toMatch(/^application\/openmetrics-text/);
    expect(om.body).toMatch(/^# TYPE sedna_test_things counter$/m);
    expect(om.body.trimEnd().endsWith('# EOF')).toBe(true);
    const again = await get('/metrics');
    expect(again.body).toMatch(/^# TYPE sedna_test_things_total counter$/m);
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: again.body, encoding: 'utf8' });
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
  });

  it('serves nothing but /metrics', async () => {
    expect((await get('/')).status).toBe(404);
    expect((await get('/pods/default/x/log')).status).toBe(404);
  });
});
