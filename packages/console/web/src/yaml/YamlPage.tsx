/** View and edit an object as YAML: what the server stores now, validated by the server before it is applied. */
import { Alert, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { stringify } from 'yaml';
import { useApi } from '../api/context';
import { kindByPlural } from '../api/kinds';
import type { KubeObject } from '../api/types';
import { Link } from '../app/Link';
import { ApplyPanel } from './ApplyPanel';

/** The object as a user edits it: without the fields the server owns. */
export function editable(o: KubeObject): KubeObject {
  const { managedFields: _m, uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, ...metadata } = o.metadata as KubeObject['metadata'] & { managedFields?: unknown; generation?: unknown };
  const { status: _s, ...rest } = o;
  return { ...rest, metadata };
}

export function YamlPage({ plural, namespace, name }: { plural: string; namespace: string; name: string }) {
  const api = useApi();
  const kind = kindByPlural(plural);
  const [text, setText] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!kind) return;
    api.get(kind, kind.namespaced ? namespace : undefined, name).then(
      (o) => setText(stringify(editable(o))),
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, [api, kind, namespace, name]);
  if (!kind) return <Alert color="red">Unknown kind {plural}.</Alert>;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>{kind.kind} {namespace}/{name}</Title>
        {kind.workload || kind.kind === 'Dataset' ? <Link to={{ page: 'job', plural, namespace, name }}>Open its page</Link> : null}
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {text === undefined ? <Text>Loading…</Text> : <ApplyPanel text={text} onText={setText} />}
    </Stack>
  );
}
