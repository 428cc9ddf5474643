/**
 * A job's (or Dataset's) charts from Prometheus: each panel of panels.ts as a range query over the last 15 minutes
 * (or since the object was created, when later), read again every 5 s (Prometheus is read by asking; the page's
 * objects still come by watch). When Prometheus does not answer, the page shows `fallback` (the figures the watch
 * delivered) with the reason.
 */
import { Alert, SimpleGrid, Text } from '@mantine/core';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { useApi } from '../api/context';
import { Chart, type Series } from '../common/Chart';
import { type Panel, slug } from './panels';
import { queryRange } from './prometheus';

const WINDOW_SECONDS = 15 * 60;
const REFRESH_MS = 5000;

interface PanelData {
  panel: Panel;
  series: Series[];
}

export function PrometheusCharts({ panels, createdAt, fallback }: { panels: Panel[]; createdAt: string | undefined; fallback: ReactNode }) {
  const api = useApi();
  const [data, setData] = useState<PanelData[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const key = useMemo(() => JSON.stringify(panels), [panels]);
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const created = createdAt ? Date.parse(createdAt) / 1000 : 0;
    const read = async () => {
      const end = Math.floor(Date.now() / 1000);
      // At least two minutes, so that a new job's first rates have room.
      const start = Math.min(end - 120, Math.max(end - WINDOW_SECONDS, Math.floor(created) - 30));
      const step = Math.max(1, Math.ceil((end - start) / 240));
      try {
        const read = await Promise.all(panels.map(async (panel) => ({ panel, series: (await Promise.all(panel.queries.map((q) => queryRange(api, q.promql, { start, end, step }, q.legend)))).flat() })));
        if (cancelled) return;
        setData(read);
        setError(undefined);
      } catch (err) {
        if (!cancelled) setError(err instanceof Error ? err.message : String(err));
      }
      if (!cancelled) timer = setTimeout(() => void read(), REFRESH_MS);
    };
    void read();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, key, createdAt]);
  if (error && !data) {
    return (
      <>
        <Alert color="yellow" data-testid="prometheus-error">Prometheus did not answer ({error}): the charts show the figures as the watch delivered them.</Alert>
        {fallback}
      </>
    );
  }
  return (
    <>
      <SimpleGrid cols={{ base: 1, lg: 2 }} data-testid="prometheus-charts">
        {(data ?? []).map(({ panel, series }) => (
          <div key={panel.title} data-testid={`prom-chart-${slug(panel.title)}`} data-points={series.reduce((n, s) => n + s.points.length, 0)}>
            <Text size="xs" fw={600}>{panel.title}</Text>
            {series.length > 0 ? <Chart series={series} height={140} /> : <Text size="xs" c="dimmed">no samples yet</Text>}
          </div>
        ))}
      </SimpleGrid>
      <Text size="xs" c="dimmed" data-testid="chart-source">Charts: Prometheus{error ? ` (last read failed: ${error})` : ''}, the last 15 minutes, every 5 s.</Text>
    </>
  );
}
