/**
 * The job's pictures and HTML report, in `<job dir>/report/`: a bar chart per numeric metric (one bar per case of
 * this run), a line chart of each metric against each numeric hyperparameter that varies, and for lifelong
 * learning the accuracy matrix as a heatmap; each as SVG and PNG. With save_mode selected_and_all_and_picture the
 * heatmaps also go to `<case dir>/output/<key>-heatmap.png`, where Ianvs writes them. index.html shows the
 * selected rank, the failed cases and every plot.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchmarkingJobConfig } from '../config/benchmarkingjob.js';
import type { RankedCase, RankFiles } from '../rank/rank.js';
import type { Table } from '../rank/csv.js';
import { svgToPng } from './png.js';
import { barChart, heatmap, lineChart } from './svg.js';

interface Plot {
  name: string;
  title: string;
  svg: string;
}

/** Hyperparameters that differ between the cases, `name=value`, the short label of a case in a plot. */
function varying(cases: readonly RankedCase[]): Set<string> {
  const values = new Map<string, Set<string>>();
  for (const c of cases) for (const m of c.spec.modules) for (const [k, v] of Object.entries(m.hyperparameters)) {
    const key = `${m.type}-${k}`;
    values.set(key, (values.get(key) ?? new Set()).add(JSON.stringify(v)));
  }
  return new Set([...values].filter(([, v]) => v.size > 1).map(([k]) => k));
}

function caseLabel(c: RankedCase, vary?: Set<string>, skip?: string, withAlgorithm = true): string {
  const hps = c.spec.modules.flatMap((m) =>
    Object.entries(m.hyperparameters)
      .filter(([k]) => (vary ? vary.has(`${m.type}-${k}`) : true) && `${m.type}-${k}` !== skip)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`),
  );
  return [withAlgorithm ? c.spec.algorithm.name : '', ...hps].filter(Boolean).join(' ').slice(0, 40);
}

function safe(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}

export function plotsFor(cases: readonly RankedCase[]): Plot[] {
  const plots: Plot[] = [];
  const vary = varying(cases);
  const oneAlgorithm = new Set(cases.map((c) => c.spec.algorithm.name)).size === 1;
  const metrics = [...new Set(cases.flatMap((c) => Object.entries(c.result.metrics).filter(([, v]) => typeof v === 'number').map(([k]) => k)))];
  for (const metric of metrics) {
    const bars = cases.filter((c) => typeof c.result.metrics[metric] === 'number').map((c, k) => ({ label: `#${k + 1} ${caseLabel(c, vary, undefined, !oneAlgorithm)}`, value: c.result.metrics[metric] as number }));
    plots.push({ name: `metric-${safe(metric)}`, title: `${metric} per test case`, svg: barChart(`${metric} per test case`, metric, bars) });
    const hpNames = [...new Set(cases.flatMap((c) => c.spec.modules.flatMap((m) => Object.keys(m.hyperparameters).map((h) => `${m.type}-${h}`))))];
    for (const hp of hpNames) {
      const points = cases.flatMap((c) => {
        const [type, ...rest] = hp.split('-');
        const v = c.spec.modules.find((m) => m.type === type)?.hyperparameters[rest.join('-')];
        const y = c.result.metrics[metric];
        // One line per setting of everything else, so a line shows this hyperparameter's effect alone.
        return typeof v === 'number' && typeof y === 'number' ? [{ series: caseLabel(c, vary, hp, !oneAlgorithm) || c.spec.algorithm.name, x: v, y }] : [];
      });
      if (new Set(points.map((p) => p.x)).size < 2) continue;
      const series = [...new Set(points.map((p) => p.series))].map((name) => ({ name, points: points.filter((p) => p.series === name) }));
      const title = `${metric} against ${hp}`;
      plots.push({ name: `${safe(metric)}-vs-${safe(hp)}`, title, svg: lineChart(title, hp, metric, series) });
    }
  }
  return plots;
}

export function heatmapsFor(c: RankedCase): { key: string; svg: string }[] {
  const matrix = c.result.metrics.Matrix;
  if (typeof matrix !== 'object' || matrix === null || Array.isArray(matrix)) return [];
  return Object.entries(matrix as Record<string, unknown>)
    .filter(([, m]) => Array.isArray(m))
    .map(([key, m]) => ({ key, svg: heatmap(`${key} matrix, ${c.spec.algorithm.name}`, m as number[][], 'task round', 'task') }));
}

function htmlTable(table: Table): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<table><tr>${table.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${table.rows.map((r) => `<tr>${table.header.map((h) => `<td>${esc(r[h] ?? '')}</td>`).join('')}</tr>`).join('')}</table>`;
}

export async function writeReport(job: BenchmarkingJobConfig, rank: RankFiles, passed: readonly RankedCase[], failed: readonly RankedCase[], caseHeatmaps: boolean): Promise<string> {
  const dir = join(job.outputDir, 'report');
  mkdirSync(dir, { recursive: true });
  const plots = plotsFor(passed);
  const pngs: { file: string; svg: string }[] = [];
  for (const c of passed) {
    for (const h of heatmapsFor(c)) {
      plots.push({ name: `heatmap-${safe(h.key)}-${c.spec.id.slice(0, 8)}`, title: `${h.key} heatmap, ${caseLabel(c)}`, svg: h.svg });
      if (caseHeatmaps) {
        mkdirSync(join(c.spec.outputDir, 'output'), { recursive: true });
        pngs.push({ file: join(c.spec.outputDir, 'output', `${h.key}-heatmap.png`), svg: h.svg });
      }
    }
  }
  for (const p of plots) {
    writeFileSync(join(dir, `${p.name}.svg`), p.svg);
    pngs.push({ file: join(dir, `${p.name}.png`), svg: p.svg });
  }
  // all at once: they render on the thread pool, in parallel
  await Promise.all(pngs.map(async (p) => writeFileSync(p.file, await svgToPng(p.svg))));
  const failures = failed.length
    ? `<h2>Failed test cases</h2><ul>${failed.map((c) => `<li>${caseLabel(c).replace(/</g, '&lt;')}: ${(c.result.error ?? '').replace(/</g, '&lt;')}</li>`).join('')}</ul>`
    : '';
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${job.name}: benchmarking report</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}figure{display:inline-block;margin:1em}</style>
</head><body>
<h1>${job.name}</h1>
<p>${passed.length} test case(s) ranked${failed.length ? `, ${failed.length} failed` : ''}. Files: <code>${rank.selectedRank}</code>, <code>${rank.allRank}</code>.</p>
<h2>Selected rank</h2>
${htmlTable(rank.selected)}
${failures}
<h2>Plots</h2>
${plots.map((p) => `<figure><img src="${p.name}.svg" alt="${p.title}"><figcaption>${p.title} (<a href="${p.name}.png">PNG</a>)</figcaption></figure>`).join('\n')}
</body></html>
`;
  const file = join(dir, 'index.html');
  writeFileSync(file, html);
  return file;
}
