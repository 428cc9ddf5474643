/**
 * simulation{cloud_number: 1, edge_number: 3}: the federated learning example runs as a real FederatedLearningJob
 * on a control plane the runner starts, each edge node (as root) in its own network namespace; the bytes on each
 * link and the trainers' wait for the next model become system metrics (joint inference: simulation-joint.test.ts); the control plane, its nodes and the
 * namespaces are gone afterwards, also after Ctrl-C. Links with latency are refused with what is missing where
 * the kernel has no netem.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBenchmarkingJob } from '../../packages/benchmarking/src/job.js';
import { cliMain, waitFor } from '../../packages/cli/test/harness.js';
import { writeJobFiles } from './job-files.js';
import { processesUnder, simulationFixture } from './simulation-fixture.js';

const root = process.getuid?.() === 0;
const { dir, datasetUrl } = simulationFixture('bench-simulation-', 600, 150);

function job(name: string, links: string): string {
  return writeJobFiles('federated_learning', join(dir, name), {
    datasetUrl: datasetUrl(),
    datasetPath: join(dir, 'dataset', 'fmnist'),
    workspace: join(dir, name, 'workspace'),
    algorithms: ['fedavg_iid'],
    testenv: { 'round: 5': 'round: 2', 'client_number: 5': 'client_number: 3', '  metrics:\n': '  metrics:\n    - name: "bytes_sent"\n    - name: "latency_p50_ms"\n    - name: "latency_p95_ms"\n' },
    jobExtra: `  simulation:\n    cloud_number: 1\n    edge_number: 3\n${links}`,
  });
}

/**
 * The edge namespaces of the simulation a process runs (`sdn-<pid % 10000>-e<k>`): only its own, since other
 * simulation test files may run at the same time.
 */
const namespaces = (pid: number): string[] => (root ? execFileSync('ip', ['netns', 'list']).toString().split('\n').filter((l) => l.startsWith(`sdn-${pid % 10000}-e`)) : []);

describe('edge-cloud simulation', () => {
  it('runs federated learning as a job on 1 cloud and 3 edge nodes and tears everything down', async () => {
    const logs: string[] = [];
    const before = namespaces(process.pid);
    const out = await runBenchmarkingJob(job('fl', root ? '    links: [{edge: all, bandwidth_mbps: 100}]\n' : ''), { parallel: 1, log: (l) => void logs.push(l) });
    expect(out.failed.map((c) => c.result.error)).toEqual([]);
    expect(out.simulationStartupSeconds).toBeGreaterThan(0);
    const [c] = out.cases;
    expect(Number(c?.result.metrics.accuracy)).toBeGreaterThan(0.2);
    expect(Number(c?.result.metrics.bytes_sent)).toBeGreaterThan(100_000);
    expect(Number(c?.result.metrics.latency_p95_ms)).toBeGreaterThanOrEqual(Number(c?.result.metrics.latency_p50_ms));
    const info = JSON.parse(readFileSync(join(c!.spec.outputDir, 'system-metric-info.json'), 'utf8'));
    if (root) expect(Object.keys(info.bytes_per_link).sort()).toEqual(['edge-node-1', 'edge-node-2', 'edge-node-3']);
    const manifest = readFileSync(join(c!.spec.outputDir, 'simulation-job.yaml'), 'utf8');
    expect(manifest).toContain('kind: FederatedLearningJob');
    expect(manifest.match(/nodeName: edge-node-\d/g)?.sort()).toEqual(['nodeName: edge-node-1', 'nodeName: edge-node-2', 'nodeName: edge-node-3']);
    expect(logs.some((l) => /4 nodes Ready/.test(l))).toBe(true);
    expect(processesUnder(join(out.job.outputDir, 'simulation'))).toEqual([]);
    expect(namespaces(process.pid)).toEqual(before);
  }, 300_000);

  it('stops the simulated control plane on Ctrl-C', async () => {
    const file = job('interrupted', root ? '    links: [{edge: all, bandwidth_mbps: 100}]\n' : '');
    const child = spawn(process.execPath, [cliMain, 'benchmark', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const s of [child.stdout, child.stderr]) s.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor('the nodes Ready', () => (/4 nodes Ready/.test(output) ? true : undefined), 180_000);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain('interrupted: stopping the test cases and the simulation');
    const simDir = join(dir, 'interrupted', 'workspace', 'benchmarkingjob', 'simulation');
    await waitFor('no process left', () => (processesUnder(simDir).length === 0 ? true : undefined), 20_000);
    expect(namespaces(child.pid!)).toEqual([]);
  }, 300_000);

  it.skipIf(!root)('refuses links it cannot emulate, saying what is missing', async () => {
    let netem = true;
    try {
      execFileSync('ip', ['netns', 'add', 'sdn-netem-check']);
      execFileSync('ip', ['netns', 'exec', 'sdn-netem-check', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { stdio: 'pipe' });
    } catch {
      netem = false;
    } finally {
      execFileSync('ip', ['netns', 'del', 'sdn-netem-check']);
    }
    if (netem) return; // this kernel can emulate them; the first test covers namespaces
    const file = job('netem', '    links: [{edge: all, latency_ms: 20, bandwidth_mbps: 10}]\n');
    await expect(runBenchmarkingJob(file, { log: () => undefined })).rejects.toThrow(/simulation.links: latency, jitter and loss need the kernel's netem qdisc \(sch_netem\)/);
    expect(existsSync(join(dir, 'netem', 'workspace', 'benchmarkingjob', 'simulation', 'control-plane.json'))).toBe(false);
  });
});
