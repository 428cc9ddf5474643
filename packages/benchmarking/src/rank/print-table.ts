/** Ianvs's `print_table` visualization: the selected rank as a prettytable-style grid (centred cells). */
import type { Table } from './csv.js';

export function formatTable(table: Table): string {
  const widths = table.header.map((h) => Math.max(h.length, ...table.rows.map((r) => (r[h] ?? '').length)));
  const line = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const centre = (text: string, w: number): string => {
    const left = Math.floor((w - text.length) / 2);
    return ' '.repeat(left) + text + ' '.repeat(w - text.length - left);
  };
  const render = (cells: string[]): string => '| ' + cells.map((c, i) => centre(c, widths[i] as number)).join(' | ') + ' |';
  return [line, render(table.header), line, ...table.rows.map((r) => render(table.header.map((h) => r[h] ?? ''))), line].join('\n');
}
