/**
 * A worker's log, streamed live (`follow`), with search: the lines that hold the text, the match marked, and how
 * many there are. Keeps the last 5,000 lines.
 */
import { Alert, Group, Select, Text, TextInput } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { useApi } from '../api/context';

const MAX_LINES = 5000;

function highlight(line: string, query: string) {
  if (!query) return line;
  const parts = line.split(query);
  return parts.flatMap((p, i) => (i === 0 ? [p] : [<mark key={i}>{query}</mark>, p]));
}

export function LogView({ namespace, pods }: { namespace: string; pods: string[] }) {
  const api = useApi();
  const [pod, setPod] = useState<string | null>(pods[0] ?? null);
  const [lines, setLines] = useState<string[]>([]);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string>();
  const view = useRef<HTMLDivElement>(null);
  // A restarted worker is a new pod: follow its replacement (same name up to the generated suffix), else the first.
  const podList = pods.join(',');
  useEffect(() => {
    if (pod && pods.includes(pod)) return;
    const prefix = pod?.replace(/-[a-z0-9]+$/, '-');
    setPod((prefix && pods.find((p) => p.startsWith(prefix))) || pods[0] || null);
    // pods is compared by its names
  }, [pod, podList]);
  useEffect(() => {
    if (!pod) return;
    const abort = new AbortController();
    setLines([]);
    setError(undefined);
    let buffer: string[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const add = buffer;
      buffer = [];
      setLines((l) => [...l, ...add].slice(-MAX_LINES));
    };
    (async () => {
      // Follow until the container ends, then wait and follow again (a restarted worker keeps logging).
      while (!abort.signal.aborted) {
        try {
          await api.logs(namespace, pod, (line) => {
            buffer.push(line);
            if (!frame) frame = requestAnimationFrame(flush);
          }, abort.signal);
        } catch (err) {
          if (abort.signal.aborted) return;
          // The pod is gone (deleted, replaced): stop; the list of workers brings its replacement.
          if (err instanceof ApiError && err.code === 404) return;
          setError(err instanceof Error ? err.message : String(err));
        }
        await new Promise((r) => setTimeout(r, 2000));
        if (!abort.signal.aborted) setLines([]);
      }
    })();
    return () => {
      abort.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [api, namespace, pod]);
  const shown = query ? lines.filter((l) => l.includes(query)) : lines;
  useEffect(() => {
    if (view.current && !query) view.current.scrollTop = view.current.scrollHeight;
  }, [shown.length, query]);
  return (
    <div>
      <Group mb="xs" align="flex-end">
        <Select label="Worker" data={pods} value={pod} onChange={setPod} w={320} data-testid="log-pod" allowDeselect={false} />
        <TextInput label="Search" placeholder="text to find" value={query} onChange={(e) => setQuery(e.currentTarget.value)} data-testid="log-search" />
        <Text size="xs" c="dimmed" data-testid="log-count">
          {query ? `${shown.length} of ${lines.length} lines match` : `${lines.length} lines`}
        </Text>
      </Group>
      {error && <Alert color="yellow" mb="xs">{error}</Alert>}
      <div className="log-view" ref={view} data-testid="log-view" tabIndex={0} aria-label="log lines">
        {shown.map((l, i) => (
          <div key={i}>{highlight(l, query)}</div>
        ))}
      </div>
    </div>
  );
}
