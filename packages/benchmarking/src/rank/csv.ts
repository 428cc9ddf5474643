/** A small RFC 4180 CSV reader and writer (what pandas to_csv/read_csv exchange in Ianvs's rank files). */

export type Row = Record<string, string>;

export interface Table {
  header: string[];
  rows: Row[];
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function writeCsv(table: Table): string {
  const lines = [table.header.map(quote).join(',')];
  for (const row of table.rows) lines.push(table.header.map((h) => quote(row[h] ?? '')).join(','));
  return lines.join('\n') + '\n';
}

export function parseCsv(text: string, file = '<csv>'): Table {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (inQuotes) throw new Error(`${file}: unterminated quoted field`);
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header, ...body] = records.filter((r) => !(r.length === 1 && r[0] === ''));
  if (!header) return { header: [], rows: [] };
  const rows = body.map((r, k) => {
    if (r.length !== header.length) throw new Error(`${file}: line ${k + 2} has ${r.length} fields, the header ${header.length}`);
    return Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']));
  });
  return { header, rows };
}
