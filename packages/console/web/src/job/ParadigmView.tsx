/**
 * The paradigm's own view of a job: joint inference's upload ratio and counts over time; incremental and lifelong
 * learning's rounds, with the models' metrics each stage reported and the deploy decision; federated learning's
 * figures; a Dataset's sample count over time. Figures are those the workers report into the status.
 */
import { Badge, Card, Code, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useApi } from '../api/context';
import type { KubeObject } from '../api/types';
import { Chart } from '../common/Chart';
import { panelsFor } from '../metrics/panels';
import { PrometheusCharts } from '../metrics/PrometheusCharts';
import { consoleConfig } from '../metrics/prometheus';
import { conditions } from '../common/status';
import { statusFigures, useFigureHistory } from './history';

interface StageData {
  models?: { format?: string; url?: string; metrics?: Record<string, unknown> }[];
  [key: string]: unknown;
}

function parseData(data: string | undefined): StageData | undefined {
  if (!data) return undefined;
  try {
    const d = JSON.parse(data) as { input?: StageData; output?: StageData };
    return { ...d.input, ...d.output } as StageData;
  } catch {
    return undefined;
  }
}

function LearningRounds({ object }: { object: KubeObject }) {
  const all = conditions(object);
  const rounds = all.filter((c) => c.stage === 'Train' && c.type === 'Starting').length;
  const withModels = all.filter((c) => parseData(c.data)?.models?.length);
  const decision = [...all].reverse().find((c) => c.stage === 'Deploy');
  return (
    <Stack gap="xs">
      <Group>
        <Text size="sm">Train stages started: <b data-testid="rounds">{rounds}</b></Text>
        {decision && <Text size="sm">Deploy: <Badge>{decision.type}</Badge> {decision.message}</Text>}
      </Group>
      {withModels.length > 0 ? (
        <Table>
          <Table.Thead><Table.Tr><Table.Th>Stage</Table.Th><Table.Th>State</Table.Th><Table.Th>Model</Table.Th><Table.Th>Metrics</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {withModels.slice(-10).flatMap((c, i) =>
              (parseData(c.data)?.models ?? []).map((m, k) => (
                <Table.Tr key={`${i}-${k}`}>
                  <Table.Td>{c.stage}</Table.Td>
                  <Table.Td>{c.type}</Table.Td>
                  <Table.Td><Text size="xs" truncate="end" maw={240}>{m.url}</Text></Table.Td>
                  <Table.Td><Code>{JSON.stringify(m.metrics ?? {})}</Code></Table.Td>
                </Table.Tr>
              )),
            )}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="xs" c="dimmed">No stage has reported models yet.</Text>
      )}
      {object.status?.['knowledgeBase'] !== undefined && (
        <>
          <Title order={6}>Knowledge base</Title>
          <Code block>{JSON.stringify(object.status['knowledgeBase'], null, 2)}</Code>
        </>
      )}
    </Stack>
  );
}

/** Whether the console's server has a Prometheus: undefined until it answered. */
function usePrometheus(): boolean | undefined {
  const api = useApi();
  const [configured, setConfigured] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    let cancelled = false;
    consoleConfig(api).then(
      (c) => !cancelled && setConfigured(c.prometheus),
      () => !cancelled && setConfigured(false),
    );
    return () => {
      cancelled = true;
    };
  }, [api]);
  return configured;
}

export function ParadigmView({ kind, object, workload }: { kind: string; object: KubeObject; workload: boolean }) {
  const prometheus = usePrometheus();
  const history = useFigureHistory(object);
  const figures = statusFigures(object);
  const names = Object.keys(figures);
  const ratioSeries = history.filter((s) => /ratio/i.test(s.label));
  const countSeries = history.filter((s) => !/ratio/i.test(s.label));
  // Without a Prometheus (or when it does not answer): the figures as the watch delivered them.
  const watchedCharts = (
    <>
      {ratioSeries.length > 0 && <Chart series={ratioSeries} testId="ratio-chart" />}
      {countSeries.length > 0 && <Chart series={countSeries} testId="count-chart" />}
      <Text size="xs" c="dimmed" data-testid="chart-source">Charts: the figures as they changed since this page opened (no Prometheus configured).</Text>
    </>
  );
  return (
    <Card withBorder>
      <Title order={5} mb="xs">{kind === 'Dataset' ? 'Samples' : 'Paradigm view'}</Title>
      {(kind === 'IncrementalLearningJob' || kind === 'LifelongLearningJob') && <LearningRounds object={object} />}
      {names.length > 0 ? (
        <SimpleGrid cols={{ base: 2, md: 4 }} mb="sm" data-testid="figures">
          {names.map((n) => (
            <div key={n}>
              <Text size="xs" c="dimmed">{n}</Text>
              <Text fw={600}>{Number.isInteger(figures[n]) ? figures[n] : figures[n]!.toFixed(4)}</Text>
            </div>
          ))}
        </SimpleGrid>
      ) : (
        kind !== 'IncrementalLearningJob' && kind !== 'LifelongLearningJob' && <Text size="xs" c="dimmed">No figures reported yet.</Text>
      )}
      {prometheus ? (
        <PrometheusCharts panels={panelsFor(kind, object.metadata.namespace ?? 'default', object.metadata.name, workload)} createdAt={object.metadata.creationTimestamp} fallback={watchedCharts} />
      ) : (
        prometheus === false && watchedCharts
      )}
    </Card>
  );
}
