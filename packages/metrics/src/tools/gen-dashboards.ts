/** `npm run gen:dashboards`: writes deploy/dashboards/*.json; `--check` fails when they are stale. */
import { resolve } from 'node:path';
import { writeDashboards } from '../dashboards/generate.js';

const dir = resolve(import.meta.dirname, '../../../../deploy/dashboards');
const check = process.argv.includes('--check');
const stale = writeDashboards(dir, check);
if (check && stale.length > 0) {
  console.error(`stale dashboards (run npm run gen:dashboards): ${stale.join(', ')}`);
  process.exit(1);
}
console.log(check ? 'dashboards are fresh' : `wrote the dashboards to ${dir}`);
