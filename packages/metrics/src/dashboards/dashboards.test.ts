import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Registry } from 'prom-client';
import { componentRegistry } from '../registry.js';
import { apiServerMetrics, controllerMetrics, hubMetrics, localControllerMetrics } from '../catalogue/controlplane.js';
import { systemMetrics } from '../catalogue/system.js';
import { lifelongTaskMetrics, stageJobMetrics } from '../catalogue/stagejobs.js';
import { multiEdgeInferenceMetrics } from '../catalogue/multiedge.js';
import { bigModelServiceMetrics, federatedLearningMetrics, incrementalLearningWorkerMetrics, jointInferenceMetrics, lifelongLearningWorkerMetrics } from '../catalogue/paradigms.js';
import { metricNamesIn } from './grafana.js';
import { writeDashboards } from './generate.js';
import { DASHBOARDS } from './specs.js';

function catalogueNames(): Set<string> {
  const registry = new Registry();
  apiServerMetrics(registry);
  controllerMetrics(registry, () => new Map());
  hubMetrics(registry, () => []);
  localControllerMetrics(registry, { pendingUpstream: () => 0, podPhases: () => [] });
  systemMetrics(registry, { pods: () => [], datasets: () => [], jobs: () => [] });
  stageJobMetrics(registry, 'sedna_incremental_learning', () => []);
  stageJobMetrics(registry, 'sedna_lifelong_learning', () => []);
  lifelongTaskMetrics(registry, () => []);
  jointInferenceMetrics(registry);
  bigModelServiceMetrics(registry);
  incrementalLearningWorkerMetrics(registry);
  federatedLearningMetrics(registry);
  lifelongLearningWorkerMetrics(registry);
  multiEdgeInferenceMetrics(registry);
  const names = new Set(registry.getMetricsAsArray().map((m) => m.name));
  for (const m of componentRegistry('gm').getMetricsAsArray()) names.add(m.name);
  return names;
}

describe('the Grafana dashboards', () => {
  it('are fresh in deploy/dashboards (npm run gen:dashboards)', () => {
    expect(writeDashboards(resolve(import.meta.dirname, '../../../../deploy/dashboards'), true)).toEqual([]);
  });

  it('one per paradigm and one for the control plane, reading only catalogue metrics, in PromQL promtool accepts', () => {
    expect(DASHBOARDS.map((d) => d.uid).sort()).toEqual(['sedna-control-plane', 'sedna-federated-learning', 'sedna-incremental-learning', 'sedna-joint-inference', 'sedna-lifelong-learning', 'sedna-multi-edge-inference']);
    const known = catalogueNames();
    const exprs = DASHBOARDS.flatMap((d) => [...d.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...d.variables.map((v) => /label_values\((.*), \w+\)$/.exec(v.query)![1]!)]);
    for (const expr of exprs) for (const name of metricNamesIn(expr)) expect(known, `${name} in ${expr}`).toContain(name);
    // Grafana's variables are not PromQL: give them a value, then let promtool parse every expression.
    const rules = { groups: [{ name: 'dashboards', rules: exprs.map((expr, i) => ({ record: `dashboard:expr_${i}`, expr: expr.replaceAll('$namespace', '.*').replaceAll('$name', '.*') })) }] };
    const dir = mkdtempSync(join(tmpdir(), 'sedna-dashboards-'));
    try {
      writeFileSync(join(dir, 'rules.yml'), stringify(rules));
      const checked = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
      expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
