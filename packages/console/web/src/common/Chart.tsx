/** A small time-series chart (uPlot): the series a page keeps while it is open (status figures over time). */
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface Series {
  label: string;
  /** [unix seconds, value] points. */
  points: readonly (readonly [number, number])[];
}

/**
 * The time axis' range: the points' own span. For a single point in time (a page just opened) uPlot widens the span
 * by 86,400 / 0.001 s, an axis of nearly three years; a minute either side is what a reader expects.
 */
function timeRange(plot: uPlot, min: number, max: number): uPlot.Range.MinMax {
  const times = plot.data[0];
  if (times.length === 1) return [times[0]! - 60, times[0]! + 60];
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    const now = Date.now() / 1000;
    return [now - 60, now];
  }
  return [min, max];
}

export function Chart({ series, height = 180, testId }: { series: readonly Series[]; height?: number; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const data: uPlot.AlignedData = [times, ...series.map((s) => {
    const byTime = new Map(s.points.map((p) => [p[0], p[1]]));
    return times.map((t) => byTime.get(t) ?? null);
  })];
  const shape = series.map((s) => s.label).join('|');
  useEffect(() => {
    if (!box.current) return;
    const colors = ['#228be6', '#e8590c', '#2f9e44', '#ae3ec9'];
    plot.current = new uPlot(
      { width: box.current.clientWidth || 400, height, series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colors[i % colors.length], spanGaps: true }))], scales: { x: { time: true, range: timeRange } } },
      data,
      box.current,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: box.current?.clientWidth ?? 400, height }));
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
    // Rebuilt only when the set of series changes; new points go through setData below.
  }, [shape, height]);
  useEffect(() => {
    plot.current?.setData(data);
  });
  return <div ref={box} data-testid={testId} />;
}
