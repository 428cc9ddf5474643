/** Create any object from a template of its kind, validated by the server before it is applied. */
import { Select, Stack, Title } from '@mantine/core';
import { useState } from 'react';
import { navigate } from '../app/router';
import { kindByName } from '../api/kinds';
import { ApplyPanel } from './ApplyPanel';
import { TEMPLATES } from './templates';

export function CreatePage({ kind }: { kind?: string }) {
  const names = Object.keys(TEMPLATES);
  const [chosen, setChosen] = useState(kind && TEMPLATES[kind] ? kind : names[0]!);
  const [text, setText] = useState(TEMPLATES[chosen]!);
  return (
    <Stack>
      <Title order={3}>Create</Title>
      <Select
        label="Template"
        data={names}
        value={chosen}
        allowDeselect={false}
        maw={360}
        data-testid="template-kind"
        onChange={(k) => {
          if (!k) return;
          setChosen(k);
          setText(TEMPLATES[k]!);
        }}
      />
      <ApplyPanel
        text={text}
        onText={setText}
        onApplied={(objects) => {
          const first = objects.find((o) => kindByName(String(o.kind))?.workload) ?? objects[0];
          const k = first && kindByName(String(first.kind));
          if (first && k && (k.workload || k.kind === 'Dataset')) navigate({ page: 'job', plural: k.plural, namespace: first.metadata.namespace ?? 'default', name: first.metadata.name });
        }}
      />
    </Stack>
  );
}
