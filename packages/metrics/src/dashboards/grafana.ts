/**
 * Grafana dashboards (one per paradigm, one for the control plane) built from the catalogue's metrics only, with a
 * Prometheus data source chosen when importing (`${DS_PROMETHEUS}`). `npm run gen:dashboards` writes them to
 * deploy/dashboards/; a test checks the files are fresh and use no metric outside the catalogue.
 */

export interface PanelSpec {
  title: string;
  /** PromQL per series, with its legend. */
  targets: { expr: string; legend: string }[];
  unit?: string;
  kind?: 'timeseries' | 'stat' | 'table';
}

export interface DashboardSpec {
  uid: string;
  title: string;
  panels: PanelSpec[];
  /** Template variables over label values: `namespace`, `name`. */
  variables: { name: string; query: string }[];
}

const DS = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };

export function grafanaDashboard(spec: DashboardSpec): Record<string, unknown> {
  return {
    __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
    uid: spec.uid,
    title: spec.title,
    tags: ['sedna'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-1h', to: 'now' },
    refresh: '10s',
    templating: {
      list: spec.variables.map((v) => ({ name: v.name, type: 'query', datasource: DS, query: { query: v.query, refId: v.name }, definition: v.query, includeAll: true, multi: true, allValue: '.*', current: { text: 'All', value: '$__all' }, refresh: 2 })),
    },
    panels: spec.panels.map((p, i) => ({
      id: i + 1,
      type: p.kind ?? 'timeseries',
      title: p.title,
      datasource: DS,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { ...(p.unit ? { unit: p.unit } : {}) }, overrides: [] },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource: DS, expr: t.expr, legendFormat: t.legend })),
    })),
  };
}

/** Metric names a PromQL expression reads (identifiers followed by `{` or standing alone, `sedna_`-prefixed or standard). */
export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b((?:sedna|process|nodejs)_[a-z0-9_]+)\b/g)) names.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
  return [...names];
}
