/**
 * `index_input` (source): the samples a Sedna txt index lists (`path [label]` a line, paths relative to the index's
 * folder, as the lib's data sources read them), each file's bytes as an item with `sample_id`, `file` and `label`
 * in its meta. A stand-in camera for examples and tests: `interval_ms` paces it, `loop` plays it again (meta `pass`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readTxtIndexRows } from '../../../datasources/txt.js';
import type { UnitDefinition } from '../../types.js';
import { defineUnit, option } from '../define.js';
import { WORKER_ENV } from '@sedna/api/contracts';

const indexInput = defineUnit({
  name: 'index_input',
  kind: 'source',
  description: 'The files a txt index lists (path [label] per line), as bytes, in order',
  outputs: [['out_data', 'any']],
  options: [
    { name: 'index_url', type: 'string', description: 'the index file', env: WORKER_ENV.INPUT_INDEX_URL, required: true },
    { name: 'offset', type: 'integer', description: 'first line to use', default: 0 },
    { name: 'count', type: 'integer', description: 'lines to use (0: all after offset)', default: 0 },
    { name: 'interval_ms', type: 'number', description: 'pause between items (0: as fast as the graph takes them)', default: 0 },
    { name: 'loop', type: 'boolean', description: 'start again at the end', default: false },
  ],
  async open(context) {
    const index = path.resolve(context.baseDir, option<string>(context, 'index_url'));
    const offset = option<number>(context, 'offset');
    const count = option<number>(context, 'count');
    const rows = (await readTxtIndexRows(index)).slice(offset, count > 0 ? offset + count : undefined);
    if (rows.length === 0) throw new Error(`${index} lists no samples${offset ? ` after line ${offset}` : ''}`);
    const interval = option<number>(context, 'interval_ms');
    const loop = option<boolean>(context, 'loop');
    return {
      async *source() {
        for (let pass = 0; pass === 0 || (loop && !context.signal.aborted); pass++) {
          for (const row of rows) {
            if (context.signal.aborted) return;
            const file = path.resolve(path.dirname(index), row.columns[0] as string);
            const label = row.columns[1];
            yield { ports: { out_data: await readFile(file) }, meta: { sample_id: path.basename(file).replace(/\.[^.]+$/, ''), file, pass, ...(label !== undefined ? { label } : {}) } };
            if (interval > 0) await new Promise((resolve) => setTimeout(resolve, interval));
          }
        }
      },
    };
  },
});

export const fileUnits: UnitDefinition[] = [indexInput];
