/**
 * Prometheus' query API as the console's server passes it on (`/sedna/console/prometheus/query_range`, the API
 * token), and whether one is configured at all (`/sedna/console/config`).
 */
import type { ApiClient } from '../api/client';
import type { Series } from '../common/Chart';

export interface ConsoleConfig {
  prometheus: boolean;
}

const configs = new WeakMap<ApiClient, Promise<ConsoleConfig>>();

/** Asked once per login: the server's configuration does not change while it runs. */
export function consoleConfig(api: ApiClient): Promise<ConsoleConfig> {
  let config = configs.get(api);
  if (!config) {
    config = api.request<ConsoleConfig>('GET', '/sedna/console/config');
    configs.set(api, config);
  }
  return config;
}

interface MatrixAnswer {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

/** A series' name: the legend given, else its labels but the metric name (`pod=x, model=new`). */
function seriesLabel(metric: Record<string, string>, legend: string | undefined): string {
  const labels = Object.entries(metric).filter(([k]) => k !== '__name__');
  const text = labels.map(([k, v]) => `${k}=${v}`).join(', ');
  if (legend) return labels.length ? `${legend} (${text})` : legend;
  return text || metric['__name__'] || 'value';
}

/** One range query: a series per result, [unix seconds, value] points (NaN and infinities dropped). */
export async function queryRange(api: ApiClient, promql: string, range: { start: number; end: number; step: number }, legend?: string): Promise<Series[]> {
  const query = new URLSearchParams({ query: promql, start: String(range.start), end: String(range.end), step: String(range.step) });
  const answer = await api.request<MatrixAnswer>('GET', `/sedna/console/prometheus/query_range?${query}`);
  if (answer.status !== 'success') throw new Error(answer.error ?? 'Prometheus answered an error');
  return (answer.data?.result ?? []).map((r) => ({
    label: seriesLabel(r.metric, legend),
    points: r.values.map(([t, v]) => [t, Number(v)] as const).filter(([, v]) => Number.isFinite(v)),
  }));
}

/** A PromQL string literal (names are DNS labels, but quote them properly anyway). */
export function promString(text: string): string {
  return JSON.stringify(text);
}

/** A PromQL regex matching the names that start with `prefix-` (a job's worker pods, also those of earlier runs). */
export function podsOf(prefix: string): string {
  return promString(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-.*`);
}
