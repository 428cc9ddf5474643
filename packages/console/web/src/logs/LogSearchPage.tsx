/** Search every worker's logs on every node (the control plane's `/sedna/logs/search`, as `sedna logs --search`). */
import { Alert, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useApi } from '../api/context';

interface Match {
  node: string;
  namespace?: string;
  pod?: string;
  time?: string;
  line?: string;
  error?: string;
}

export function LogSearchPage() {
  const api = useApi();
  const [q, setQ] = useState('');
  const [matches, setMatches] = useState<Match[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const search = async () => {
    setBusy(true);
    setError(undefined);
    setMatches([]);
    try {
      const res = await fetch(`/sedna/logs/search?q=${encodeURIComponent(q)}&limit=500`, { headers: { Authorization: `Bearer ${api.token}` } });
      if (!res.ok) throw new Error(await res.text());
      const text = await res.text();
      setMatches(text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Match));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack>
      <Title order={3}>Log search</Title>
      <form onSubmit={(e) => { e.preventDefault(); void search(); }}>
        <Group align="flex-end">
          <TextInput label="Text" value={q} onChange={(e) => setQ(e.currentTarget.value)} data-testid="global-log-query" />
          <Button type="submit" loading={busy} disabled={!q}>Search every node</Button>
        </Group>
      </form>
      {error && <Alert color="red">{error}</Alert>}
      <Text size="xs" c="dimmed">{matches.length} matches</Text>
      <Table data-testid="global-log-results">
        <Table.Tbody>
          {matches.map((m, i) => (
            <Table.Tr key={i}>
              <Table.Td>{m.node}</Table.Td>
              <Table.Td>{m.pod ?? ''}</Table.Td>
              <Table.Td><Text size="xs" ff="monospace">{m.error ? `error: ${m.error}` : m.line}</Text></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
