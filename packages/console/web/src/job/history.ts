/**
 * A short history of an object's numeric status figures, kept while its page is open: each change the watch
 * delivers adds a point (the embedded control plane has no Prometheus of its own; with one configured its
 * queries give the long history).
 */
import { useEffect, useRef, useState } from 'react';
import type { KubeObject } from '../api/types';
import type { Series } from '../common/Chart';

const MAX_POINTS = 600;

/** Numeric figures of a status: `status.metrics` key/values (joint inference, ...) and top-level numbers. */
export function statusFigures(o: KubeObject | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const status = o?.status ?? {};
  for (const [k, v] of Object.entries(status)) if (typeof v === 'number') out[k] = v;
  for (const m of (status['metrics'] as { key?: string; value?: string }[] | undefined) ?? []) {
    const n = Number(m.value);
    if (m.key && Number.isFinite(n)) out[m.key] = n;
  }
  return out;
}

export function useFigureHistory(o: KubeObject | undefined): Series[] {
  const history = useRef(new Map<string, [number, number][]>());
  const [, setTick] = useState(0);
  const rv = o?.metadata.resourceVersion;
  useEffect(() => {
    if (!o) return;
    const now = Date.now() / 1000;
    for (const [k, v] of Object.entries(statusFigures(o))) {
      const points = history.current.get(k) ?? [];
      if (points.at(-1)?.[1] !== v || points.length === 0) points.push([now, v]);
      if (points.length > MAX_POINTS) points.shift();
      history.current.set(k, points);
    }
    setTick((t) => t + 1);
    // One point per stored version of the object.
  }, [rv]);
  return [...history.current].map(([label, points]) => ({ label, points }));
}
