/** Writes (or with --check, verifies) deploy/dashboards/*.json from the specs. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { grafanaDashboard } from './grafana.js';
import { DASHBOARDS } from './specs.js';

export function dashboardFiles(): Map<string, string> {
  return new Map(DASHBOARDS.map((d) => [`${d.uid}.json`, JSON.stringify(grafanaDashboard(d), null, 2) + '\n']));
}

export function writeDashboards(dir: string, check: boolean): string[] {
  const stale: string[] = [];
  if (!check) mkdirSync(dir, { recursive: true });
  for (const [name, text] of dashboardFiles()) {
    const path = join(dir, name);
    if (check) {
      const old = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      if (old !== text) stale.push(path);
    } else writeFileSync(path, text);
  }
  return stale;
}
