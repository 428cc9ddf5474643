/**
 * A job's or service's page, live: its stage machine, its workers (state, restarts, node; restart with
 * confirmation), its events as a timeline, the paradigm's own figures, its logs with search, and its graph in the
 * composer's drawing. Datasets get the same page (samples over time, events).
 */
import { Alert, Badge, Card, Group, SimpleGrid, Stack, Table, Text, Timeline, Title } from '@mantine/core';
import { EVENT, kindByPlural, POD } from '../api/kinds';
import { useApi } from '../api/context';
import { useLive } from '../api/live';
import type { KubeObject } from '../api/types';
import { Link } from '../app/Link';
import { navigate } from '../app/router';
import { ConfirmButton } from '../common/Confirm';
import { age, phaseColor, podState, workloadPhase } from '../common/status';
import { JobGraph } from '../composer/JobGraph';
import { LogView } from '../logs/LogView';
import { ParadigmView } from './ParadigmView';
import { StageMachine } from './StageMachine';

function ownedBy(pod: KubeObject, uid: string | undefined): boolean {
  return !!uid && (pod.metadata.ownerReferences ?? []).some((r) => r.uid === uid);
}

export function JobPage({ plural, namespace, name }: { plural: string; namespace: string; name: string }) {
  const api = useApi();
  const kind = kindByPlural(plural);
  const live = useLive(kind ? [kind, POD, EVENT] : [POD, EVENT]);
  if (!kind) return <Alert color="red">Unknown kind {plural}.</Alert>;
  const object = live.of(kind).find((o) => o.metadata.name === name && (o.metadata.namespace ?? 'default') === namespace);
  if (!object) return live.synced ? <Alert color="yellow">{kind.kind} {namespace}/{name} does not exist (or was deleted).</Alert> : <Text>Loading…</Text>;
  const uid = object.metadata.uid;
  const pods = live.of(POD).filter((p) => ownedBy(p, uid)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const podNames = new Set(pods.map((p) => p.metadata.name));
  // Logs exist once a container has started (before, the API answers that it is waiting to start).
  const started = pods.filter((p) => podState(p).started).map((p) => p.metadata.name);
  const events = live
    .of(EVENT)
    .filter((e) => {
      const involved = e['involvedObject'] as { name?: string; uid?: string; namespace?: string } | undefined;
      return involved?.uid === uid || (involved?.name !== undefined && (involved.name === name || podNames.has(involved.name)) && (involved.namespace ?? namespace) === namespace);
    })
    .sort((a, b) => String(a['lastTimestamp'] ?? a.metadata.creationTimestamp).localeCompare(String(b['lastTimestamp'] ?? b.metadata.creationTimestamp)));
  const { phase, stage } = workloadPhase(object);
  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          <Title order={3}>{kind.kind} {namespace}/{name}</Title>
          <Badge size="lg" color={phaseColor(phase)} data-testid="job-phase">{stage ? `${stage} ${phase}` : phase}</Badge>
        </Group>
        <Group>
          <Link to={{ page: 'yaml', plural, namespace, name }} testId="edit-yaml">Edit YAML</Link>
          <ConfirmButton
            label="Delete"
            testId="delete-job"
            question={`Delete ${kind.kind} ${namespace}/${name}? Its workers are deleted with it.`}
            onConfirm={async () => {
              await api.delete(kind, namespace, name);
              navigate({ page: 'overview' });
            }}
          />
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={5} mb="xs">{kind.workload ? 'Stage machine' : 'Conditions'}</Title>
          <StageMachine kind={kind.kind} object={object} />
        </Card>
        <ParadigmView kind={kind.kind} object={object} workload={!!kind.workload} />
      </SimpleGrid>
      {kind.workload && (
        <Card withBorder>
          <Title order={5} mb="xs">Graph</Title>
          <JobGraph kind={kind.kind} object={object} pods={pods} />
        </Card>
      )}
      {kind.workload && (
        <Card withBorder>
          <Title order={5} mb="xs">Workers</Title>
          <Table data-testid="workers-table">
            <Table.Thead>
              <Table.Tr><Table.Th>Pod</Table.Th><Table.Th>State</Table.Th><Table.Th>Restarts</Table.Th><Table.Th>Node</Table.Th><Table.Th>Age</Table.Th><Table.Th /></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pods.map((p) => {
                const s = podState(p);
                return (
                  <Table.Tr key={p.metadata.name}>
                    <Table.Td>{p.metadata.name}</Table.Td>
                    <Table.Td><Badge color={phaseColor(s.reason ?? s.phase)}>{s.reason ?? s.phase}</Badge></Table.Td>
                    <Table.Td>{s.restarts}</Table.Td>
                    <Table.Td>{s.node}</Table.Td>
                    <Table.Td>{age(p.metadata.creationTimestamp)}</Table.Td>
                    <Table.Td>
                      <ConfirmButton label="Restart" color="orange" question={`Restart worker ${p.metadata.name}? Its pod is deleted and the controller starts a new one.`} onConfirm={() => api.delete(POD, namespace, p.metadata.name)} />
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          {pods.length === 0 && <Text size="sm" c="dimmed">No workers now.</Text>}
        </Card>
      )}
      {started.length > 0 && (
        <Card withBorder>
          <Title order={5} mb="xs">Logs</Title>
          <LogView namespace={namespace} pods={started} />
        </Card>
      )}
      <Card withBorder>
        <Title order={5} mb="xs">Events</Title>
        {events.length === 0 && <Text size="sm" c="dimmed">No events.</Text>}
        <Timeline bulletSize={12} data-testid="events-timeline">
          {events.slice(-30).map((e) => (
            <Timeline.Item key={e.metadata.name} color={e['type'] === 'Warning' ? 'orange' : 'blue'} title={`${String(e['reason'] ?? '')} · ${String((e['involvedObject'] as { name?: string } | undefined)?.name ?? '')}`}>
              <Text size="xs" c="dimmed">{age(String(e['lastTimestamp'] ?? e.metadata.creationTimestamp))} ago — {String(e['message'] ?? '')}{Number(e['count'] ?? 1) > 1 ? ` (×${String(e['count'])})` : ''}</Text>
            </Timeline.Item>
          ))}
        </Timeline>
      </Card>
    </Stack>
  );
}
