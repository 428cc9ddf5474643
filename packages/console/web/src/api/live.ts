/**
 * Live objects of several kinds on one connection (the console's multiplexed watch): the page's state follows the
 * API as changes happen, not by polling. Changes are applied once per animation frame, so a burst of events on a
 * list of thousands of objects renders once. A lost stream is opened again after a second (it resends the state).
 */
import { useEffect, useMemo, useState } from 'react';
import { useApi } from './context';
import type { ResourceKind } from './kinds';
import type { KubeObject, LiveLine } from './types';

export function resourceOf(kind: ResourceKind): string {
  return `${kind.group}/${kind.plural}`;
}

export interface Live {
  /** The objects of a kind (all namespaces) as of now. */
  of(kind: ResourceKind): KubeObject[];
  synced: boolean;
  error: string | undefined;
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export function useLive(kinds: readonly ResourceKind[]): Live {
  const api = useApi();
  const resources = useMemo(() => kinds.map(resourceOf), [kinds]);
  const key = resources.join(',');
  const [state, setState] = useState<{ data: Map<string, KubeObject[]>; synced: boolean; error: string | undefined }>({ data: new Map(), synced: false, error: undefined });
  useEffect(() => {
    const abort = new AbortController();
    const wanted = key.split(',');
    let frame = 0;
    let tables = new Map<string, Map<string, KubeObject>>();
    let synced = false;
    const publish = () => {
      frame = 0;
      setState({ data: new Map([...tables].map(([r, m]) => [r, [...m.values()]])), synced, error: undefined });
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(publish);
    };
    const onLine = (line: LiveLine) => {
      if (!('resource' in line)) {
        if (line.type === 'SYNCED') {
          synced = true;
          schedule();
        }
        return;
      }
      const table = tables.get(line.resource) ?? new Map<string, KubeObject>();
      tables.set(line.resource, table);
      if (line.type === 'DELETED') table.delete(keyOf(line.object));
      else table.set(keyOf(line.object), line.object);
      if (synced) schedule();
    };
    (async () => {
      while (!abort.signal.aborted) {
        tables = new Map(wanted.map((r) => [r, new Map()]));
        synced = false;
        try {
          await api.watchMany(wanted, onLine, abort.signal);
        } catch (err) {
          if (abort.signal.aborted) return;
          setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }));
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    return () => {
      abort.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [api, key]);
  return {
    of: (kind) => state.data.get(resourceOf(kind)) ?? [],
    synced: state.synced,
    error: state.error,
  };
}
