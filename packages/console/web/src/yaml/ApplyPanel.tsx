/** The YAML editor with Validate (server dry run) and Apply, and the problems listed under it by field. */
import { Alert, Button, Group, List, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useApi } from '../api/context';
import type { KubeObject } from '../api/types';
import { validateAndApply, type Problem } from './apply';
import { YamlEditor } from './YamlEditor';

export function ApplyPanel({ text, onText, onApplied }: { text: string; onText: (t: string) => void; onApplied?: (objects: KubeObject[]) => void }) {
  const api = useApi();
  const [problems, setProblems] = useState<Problem[]>([]);
  const [result, setResult] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (apply: boolean) => {
    setBusy(true);
    setResult(undefined);
    try {
      const r = await validateAndApply(api, text, apply);
      setProblems(r.problems);
      if (r.problems.length === 0) {
        setResult(apply ? `Applied: ${r.applied.map((o) => `${o.kind} ${o.metadata.name}`).join(', ')}` : 'Valid: the server accepts every object (dry run).');
        if (apply) onApplied?.(r.applied);
      }
    } catch (err) {
      setProblems([{ from: 0, to: 0, message: err instanceof Error ? err.message : String(err) }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="xs">
      <YamlEditor value={text} onChange={onText} diagnostics={problems} testId="yaml-editor" />
      <Group>
        <Button variant="default" onClick={() => void run(false)} loading={busy} data-testid="yaml-validate">Validate</Button>
        <Button onClick={() => void run(true)} loading={busy} data-testid="yaml-apply">Apply</Button>
      </Group>
      {problems.length > 0 && (
        <Alert color="red" title="The server refused it" data-testid="yaml-problems">
          <List size="sm">
            {problems.map((p, i) => (
              <List.Item key={i} data-field={p.field}>{p.message}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {result && <Text size="sm" c="green" data-testid="yaml-result">{result}</Text>}
    </Stack>
  );
}
