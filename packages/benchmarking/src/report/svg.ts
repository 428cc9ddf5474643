/** Plots as SVG text: a bar chart (a metric per case), a line chart (a metric against a hyperparameter), a heatmap. */

const W = 720;
const H = 400;
const M = { left: 110, right: 20, top: 40, bottom: 110 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function frame(title: string, body: string, width = W, height = H): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">
<rect width="${width}" height="${height}" fill="white"/>
<text x="${width / 2}" y="24" font-size="16" text-anchor="middle">${esc(title)}</text>
${body}
</svg>
`;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return String(Number(v.toPrecision(3)));
}

function yAxis(min: number, max: number, label: string): { body: string; y: (v: number) => number } {
  const plotH = H - M.top - M.bottom;
  const span = max - min || 1;
  const y = (v: number): number => M.top + plotH - ((v - min) / span) * plotH;
  let body = `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#333"/>`;
  for (let k = 0; k <= 4; k++) {
    const v = min + (span * k) / 4;
    body += `<line x1="${M.left - 4}" y1="${y(v)}" x2="${W - M.right}" y2="${y(v)}" stroke="#ddd"/><text x="${M.left - 8}" y="${y(v) + 4}" font-size="11" text-anchor="end">${fmt(v)}</text>`;
  }
  body += `<text x="16" y="${M.top + plotH / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${M.top + plotH / 2})">${esc(label)}</text>`;
  return { body, y };
}

function range(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
}

export function barChart(title: string, metric: string, bars: { label: string; value: number }[]): string {
  const [min, max] = range([0, ...bars.map((b) => b.value)]);
  const axis = yAxis(min, max, metric);
  const plotW = W - M.left - M.right;
  const step = plotW / Math.max(1, bars.length);
  let body = axis.body;
  bars.forEach((b, i) => {
    const x = M.left + i * step + step * 0.15;
    const top = axis.y(b.value);
    const base = axis.y(Math.max(min, 0));
    body += `<rect x="${x}" y="${Math.min(top, base)}" width="${step * 0.7}" height="${Math.abs(base - top)}" fill="#4a7bd0"/>`;
    body += `<text x="${x + step * 0.35}" y="${top - 4}" font-size="11" text-anchor="middle">${fmt(b.value)}</text>`;
    const lx = x + step * 0.35;
    body += `<text x="${lx}" y="${H - M.bottom + 14}" font-size="10" text-anchor="end" transform="rotate(-30 ${lx} ${H - M.bottom + 14})">${esc(b.label)}</text>`;
  });
  return frame(title, body);
}

export function lineChart(title: string, xLabel: string, metric: string, series: { name: string; points: { x: number; y: number }[] }[]): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const [ymin, ymax] = range(ys);
  const axis = yAxis(ymin, ymax, metric);
  const xmin = Math.min(...xs);
  const xmax = Math.max(...xs);
  const plotW = W - M.left - M.right;
  const x = (v: number): number => M.left + 20 + ((v - xmin) / (xmax - xmin || 1)) * (plotW - 40);
  const colours = ['#4a7bd0', '#d0584a', '#3a9a5b', '#9a6ad0', '#d09a3a'];
  let body = axis.body + `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#333"/>`;
  for (const v of [...new Set(xs)].sort((a, b) => a - b)) body += `<text x="${x(v)}" y="${H - M.bottom + 16}" font-size="11" text-anchor="middle">${fmt(v)}</text>`;
  body += `<text x="${M.left + plotW / 2}" y="${H - M.bottom + 36}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>`;
  series.forEach((s, k) => {
    const colour = colours[k % colours.length] as string;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    body += `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map((p) => `${x(p.x)},${axis.y(p.y)}`).join(' ')}"/>`;
    for (const p of pts) body += `<circle cx="${x(p.x)}" cy="${axis.y(p.y)}" r="4" fill="${colour}"/>`;
    if (series.length > 1) body += `<text x="${M.left + 10}" y="${H - 20 - 14 * (series.length - 1 - k)}" font-size="11" fill="${colour}">${esc(s.name)}</text>`;
  });
  return frame(title, body);
}

/** Blue (low) to white to red (high), matplotlib's bwr, over the matrix's own range. */
export function heatmap(title: string, matrix: number[][], rowLabel: string, colLabel: string): string {
  const rows = matrix.length;
  const cols = Math.max(...matrix.map((r) => r.length), 1);
  const cell = Math.min(80, Math.floor(560 / Math.max(rows, cols)));
  const width = Math.max(560, 140 + cols * cell + 40);
  const height = 80 + rows * cell + 60;
  const values = matrix.flat();
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const colour = (v: number): string => {
    const t = hi === lo ? 0.5 : (v - lo) / (hi - lo);
    const r = t < 0.5 ? Math.round(255 * t * 2) : 255;
    const b = t > 0.5 ? Math.round(255 * (1 - t) * 2) : 255;
    const g = Math.round(255 * (1 - Math.abs(t - 0.5) * 2));
    return `rgb(${r},${g},${b})`;
  };
  let body = '';
  matrix.forEach((row, i) => {
    body += `<text x="130" y="${60 + i * cell + cell / 2 + 4}" font-size="11" text-anchor="end">${i}</text>`;
    row.forEach((v, j) => {
      const x = 140 + j * cell;
      const y = 60 + i * cell;
      body += `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${colour(v)}" stroke="white"/>`;
      body += `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" font-size="11" text-anchor="middle">${fmt(v)}</text>`;
    });
  });
  for (let j = 0; j < cols; j++) body += `<text x="${140 + j * cell + cell / 2}" y="${60 + rows * cell + 16}" font-size="11" text-anchor="middle">${j}</text>`;
  body += `<text x="${140 + (cols * cell) / 2}" y="${60 + rows * cell + 36}" font-size="12" text-anchor="middle">${esc(colLabel)}</text>`;
  body += `<text x="60" y="${60 + (rows * cell) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 60 ${60 + (rows * cell) / 2})">${esc(rowLabel)}</text>`;
  return frame(title, body, width, height);
}
