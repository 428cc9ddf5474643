import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('deploy/prometheus/kubernetes-scrape-configs.yaml', () => {
  // Debian's Prometheus is built without Kubernetes discovery: the discovery blocks are swapped for empty static
  // ones, and promtool checks everything else (authorization, TLS, every relabelling rule).
  it('is a configuration promtool accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sedna-prom-config-'));
    try {
      // The secrets it expects, as files; promtool checks that they exist.
      writeFileSync(join(dir, 'node-token'), 'token\n');
      writeFileSync(join(dir, 'ca.crt'), '');
      const text = readFileSync(resolve(import.meta.dirname, '../../../deploy/prometheus/kubernetes-scrape-configs.yaml'), 'utf8').replaceAll('/etc/prometheus/sedna', dir).replace(/kubernetes_sd_configs:\n(\s+)- role: (pod|node)/g, 'static_configs:\n$1- targets: []');
      expect(text).not.toContain('kubernetes_sd_configs');
      writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 15s\n${text}`);
      const checked = spawnSync('promtool', ['check', 'config', '--syntax-only', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
