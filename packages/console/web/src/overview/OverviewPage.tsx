/**
 * The overview: nodes (role, readiness, last heartbeat), every job and service with its phase, Datasets and
 * Models, and the recent warnings, all live. Long lists scroll inside their card (a list of 1,000 jobs renders
 * its rows without re-rendering the rest of the page).
 */
import { Alert, Badge, Card, Group, ScrollArea, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { memo, useState } from 'react';
import { EVENT, NODE, SEDNA_KINDS, WORKLOAD_KINDS } from '../api/kinds';
import { useLive } from '../api/live';
import type { KubeObject } from '../api/types';
import { Link } from '../app/Link';
import { age, nodeReady, nodeRole, phaseColor, workloadPhase } from '../common/status';

const KINDS = [NODE, EVENT, ...SEDNA_KINDS];
/**
 * Rows drawn per list: a list of thousands is counted and filtered in full, but only this many rows are in the
 * page, so a change to one object re-renders little (rows are memoised on the object, which the live store keeps
 * when it did not change).
 */
const MAX_ROWS = 200;

function more(total: number): string {
  return total > MAX_ROWS ? `showing ${MAX_ROWS} of ${total}: filter by name to narrow` : '';
}

const ModelRow = memo(function ModelRow({ m }: { m: KubeObject }) {
  return (
    <Table.Tr>
      <Table.Td><Link to={{ page: 'yaml', plural: 'models', namespace: m.metadata.namespace ?? 'default', name: m.metadata.name }}>{m.metadata.name}</Link></Table.Td>
      <Table.Td>{String(m.spec?.['format'] ?? '')}</Table.Td>
      <Table.Td><Text size="xs" truncate="end" maw={260}>{String(m.spec?.['url'] ?? '')}</Text></Table.Td>
    </Table.Tr>
  );
});

const DatasetRow = memo(function DatasetRow({ d }: { d: KubeObject }) {
  return (
    <Table.Tr>
      <Table.Td><Link to={{ page: 'job', plural: 'datasets', namespace: d.metadata.namespace ?? 'default', name: d.metadata.name }}>{d.metadata.name}</Link></Table.Td>
      <Table.Td>{String(d.spec?.['nodeName'] ?? '-')}</Table.Td>
      <Table.Td>{String(d.status?.['numberOfSamples'] ?? 0)} samples</Table.Td>
    </Table.Tr>
  );
});

const byName = (a: KubeObject, b: KubeObject) => a.metadata.name.localeCompare(b.metadata.name);
const DATASET = SEDNA_KINDS.find((k) => k.kind === 'Dataset')!;
const MODEL = SEDNA_KINDS.find((k) => k.kind === 'Model')!;

const WorkloadRow = memo(function WorkloadRow({ plural, kind, o }: { plural: string; kind: string; o: KubeObject }) {
  const { phase, stage } = workloadPhase(o);
  const ns = o.metadata.namespace ?? 'default';
  return (
    <Table.Tr>
      <Table.Td>{kind}</Table.Td>
      <Table.Td>
        <Link to={{ page: 'job', plural, namespace: ns, name: o.metadata.name }} testId={`job-link-${o.metadata.name}`}>
          {ns}/{o.metadata.name}
        </Link>
      </Table.Td>
      <Table.Td>
        <Badge color={phaseColor(phase)} data-testid={`phase-${o.metadata.name}`}>
          {stage ? `${stage} ${phase}` : phase}
        </Badge>
      </Table.Td>
      <Table.Td>{age(o.metadata.creationTimestamp)}</Table.Td>
    </Table.Tr>
  );
});

export function OverviewPage() {
  const live = useLive(KINDS);
  const [filter, setFilter] = useState('');
  const matches = (o: KubeObject) => !filter || o.metadata.name.includes(filter);
  const workloads = WORKLOAD_KINDS.flatMap((k) => live.of(k).map((o) => ({ k, o })))
    .filter(({ o }) => matches(o))
    .sort((a, b) => byName(a.o, b.o));
  const datasets = live.of(DATASET).filter(matches).sort(byName);
  const models = live.of(MODEL).filter(matches).sort(byName);
  const warnings = live
    .of(EVENT)
    .filter((e) => e['type'] === 'Warning')
    .sort((a, b) => String(b['lastTimestamp'] ?? b.metadata.creationTimestamp).localeCompare(String(a['lastTimestamp'] ?? a.metadata.creationTimestamp)))
    .slice(0, 20);
  return (
    <Stack>
      <Title order={3}>Overview</Title>
      {live.error && <Alert color="red">Lost the live stream: {live.error} (reconnecting)</Alert>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={5} mb="xs">Nodes</Title>
          <Table data-testid="nodes-table">
            <Table.Thead>
              <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Role</Table.Th><Table.Th>Ready</Table.Th><Table.Th>Heartbeat</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {live.of(NODE).map((n) => {
                const { ready, heartbeat } = nodeReady(n);
                return (
                  <Table.Tr key={n.metadata.name}>
                    <Table.Td>{n.metadata.name}</Table.Td>
                    <Table.Td>{nodeRole(n)}</Table.Td>
                    <Table.Td><Badge color={ready ? 'green' : 'red'}>{ready ? 'Ready' : 'NotReady'}</Badge></Table.Td>
                    <Table.Td>{age(heartbeat)} ago</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Card>
        <Card withBorder>
          <Title order={5} mb="xs">Recent warnings</Title>
          <ScrollArea h={220}>
            {warnings.length === 0 ? <Text size="sm" c="dimmed">No warnings.</Text> : null}
            {warnings.map((e) => (
              <Text size="xs" key={e.metadata.name}>
                <Badge size="xs" color="orange" mr={4}>{String(e['reason'] ?? '')}</Badge>
                {String((e['involvedObject'] as { name?: string } | undefined)?.name ?? '')}: {String(e['message'] ?? '')}
              </Text>
            ))}
          </ScrollArea>
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={5}>Jobs and services ({workloads.length})</Title>
          <Text size="xs" c="dimmed">{more(workloads.length)}</Text>
          <TextInput size="xs" placeholder="filter by name" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} aria-label="filter jobs, datasets and models by name" data-testid="overview-filter" />
        </Group>
        <ScrollArea.Autosize mah={420}>
          <Table data-testid="workloads-table" stickyHeader>
            <Table.Thead>
              <Table.Tr><Table.Th>Kind</Table.Th><Table.Th>Name</Table.Th><Table.Th>Phase</Table.Th><Table.Th>Age</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {workloads.slice(0, MAX_ROWS).map(({ k, o }) => (
                <WorkloadRow key={`${k.plural}/${o.metadata.namespace}/${o.metadata.name}`} plural={k.plural} kind={k.kind} o={o} />
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={5} mb="xs">Datasets ({live.of(DATASET).length})</Title>
          <Text size="xs" c="dimmed">{more(datasets.length)}</Text>
          <ScrollArea.Autosize mah={320}>
          <Table data-testid="datasets-table">
            <Table.Tbody>
              {datasets.slice(0, MAX_ROWS).map((d) => (
                <DatasetRow key={`${d.metadata.namespace}/${d.metadata.name}`} d={d} />
              ))}
            </Table.Tbody>
          </Table>
          </ScrollArea.Autosize>
        </Card>
        <Card withBorder>
          <Title order={5} mb="xs" data-testid="models-title">Models ({live.of(MODEL).length})</Title>
          <Text size="xs" c="dimmed">{more(models.length)}</Text>
          <ScrollArea.Autosize mah={320}>
          <Table data-testid="models-table">
            <Table.Tbody>
              {models.slice(0, MAX_ROWS).map((m) => (
                <ModelRow key={`${m.metadata.namespace}/${m.metadata.name}`} m={m} />
              ))}
            </Table.Tbody>
          </Table>
          </ScrollArea.Autosize>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
