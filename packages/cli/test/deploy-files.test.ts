/**
 * The systemd units under deploy/systemd pass `systemd-analyze verify` (skipped where systemd is not installed);
 * they and the chart's rendered GM and LC containers name only options the `sedna` command has.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cliMain, ensureBuilt, repoRoot } from './harness.js';

const units = ['sedna-control-plane.service', 'sedna-join.service'].map((f) => join(repoRoot, 'deploy/systemd', f));
const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

/** The options an ExecStart line gives the sedna command, by subcommand. */
function execStartOptions(unit: string): { command: string; options: string[] } {
  const text = readFileSync(unit, 'utf8').replace(/\\\n/g, ' ');
  const line = /^ExecStart=(.*)$/m.exec(text)![1]!;
  const words = line.trim().split(/\s+/);
  const main = words.findIndex((w) => w.endsWith('/dist/main.js'));
  return { command: words[main + 1]!, options: words.slice(main + 2).filter((w) => w.startsWith('--')) };
}

describe('deploy/systemd', () => {
  it.skipIf(!hasSystemd)('passes systemd-analyze verify', () => {
    for (const unit of units) execFileSync('systemd-analyze', ['verify', '--man=no', unit], { stdio: 'pipe' });
  });

  it('uses options the sedna command has', () => {
    ensureBuilt();
    for (const unit of units) {
      const { command, options } = execStartOptions(unit);
      const help = execFileSync(process.execPath, [cliMain, command, '--help'], { encoding: 'utf8' });
      for (const option of options) expect(help, `${unit}: sedna ${command} ${option}`).toContain(option);
    }
  });

  it('the chart\'s GM and LC containers use options the sedna command has', () => {
    ensureBuilt();
    const docs = parseAllDocuments(readFileSync(join(repoRoot, 'deploy/manifests/sedna.yaml'), 'utf8')).map((d) => d.toJS() as any);
    const args = (name: string): string[] => docs.find((o) => o?.metadata?.name === name && (o.kind === 'Deployment' || o.kind === 'DaemonSet')).spec.template.spec.containers[0].args;
    for (const [workload, command] of [['gm', 'gm'], ['lc', 'join']] as const) {
      const given = args(workload);
      expect(given[0]).toBe(command);
      const help = execFileSync(process.execPath, [cliMain, command, '--help'], { encoding: 'utf8' });
      for (const arg of given.slice(1)) expect(help, `${workload}: sedna ${command} ${arg}`).toContain(arg.split('=')[0]!);
    }
  });
});
