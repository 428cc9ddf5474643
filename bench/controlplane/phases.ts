/**
 * Two phases of the control plane benchmark at scale, with the simulated LCs connected:
 * - sustained: dataset status reports at a steady rate (default 2,000/s) for a while (default 60 s), spread over
 *   the nodes; each report's send-to-acknowledgement latency (the ack comes once the API server stored the status),
 *   the rate actually acknowledged, the peak resident memory of the GM and the API server sampled every 250 ms, and
 *   the CPU time each of the two used per acknowledged report;
 * - GM restart: the GM process killed (SIGKILL) while every LC is connected; the control plane's supervisor starts
 *   it again, every LC reconnects with its backoff and is resynced; the time from the kill until every node has
 *   been resynced and is Ready in the API.
 */
import { readFileSync } from 'node:fs';
import { percentile } from '../common/stats.js';
import { until } from '../common/until.js';
import { sendDatasetReport, type SimNode } from './sim-lc.js';

/** Resident memory of a process, MB (0 if it has gone). */
export function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, seconds (0 if it has gone); /proc counts clock ticks of 10 ms. */
export function cpuSeconds(pid: number): number {
  try {
    // The fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14, 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Send times of reports in flight, by "<node>/<id>"; the benchmark's ack handler calls `acked`. */
export class AckLatencies {
  private readonly sentAt = new Map<string, number>();
  readonly latencies: number[] = [];
  sent(node: string, id: number): void {
    this.sentAt.set(`${node}/${id}`, performance.now());
  }
  acked(node: string, id: number): void {
    const key = `${node}/${id}`;
    const at = this.sentAt.get(key);
    if (at === undefined) return;
    this.sentAt.delete(key);
    this.latencies.push(performance.now() - at);
  }
  get inFlight(): number {
    return this.sentAt.size;
  }
}

export interface SustainedResult {
  rate_target_per_s: number;
  seconds: number;
  reports_sent: number;
  reports_acked_per_s: number;
  reports_unacked_after_drain: number;
  /** null: more than half (p50) or 1 % (p99) of the reports were not acknowledged within the drain period. */
  ack_p50_ms: number | null;
  ack_p99_ms: number | null;
  peak_gm_rss_mb: number;
  peak_apiserver_rss_mb: number;
  /**
   * CPU time the GM's and the API server's processes used from the first send until the last acknowledgement, per
   * acknowledged report (ms): what a report costs, which the machine's other load changes much less than latency.
   */
  gm_cpu_ms_per_report: number;
  apiserver_cpu_ms_per_report: number;
}

export async function sustainedReports(options: { sims: readonly SimNode[]; tracker: AckLatencies; rate: number; seconds: number; gmPid: number; apiPid: number; log: (m: string) => void }): Promise<SustainedResult> {
  const { sims, tracker, rate, seconds, log } = options;
  let peakGm = rssMb(options.gmPid);
  let peakApi = rssMb(options.apiPid);
  const sampler = setInterval(() => {
    peakGm = Math.max(peakGm, rssMb(options.gmPid));
    peakApi = Math.max(peakApi, rssMb(options.apiPid));
  }, 250);
  const gmCpu0 = cpuSeconds(options.gmPid);
  const apiCpu0 = cpuSeconds(options.apiPid);
  let sent = 0;
  let next = 0;
  const samples = new Map<number, number>();
  const t0 = performance.now();
  // Every 5 ms, as many reports as the rate says should have gone by now (a late timer catches up, so the rate is
  // the one asked for even when the event loop is busy).
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - t0) / 1000;
      const due = Math.min(rate * seconds, Math.floor(elapsed * rate));
      for (; sent < due; sent++) {
        const k = next++ % sims.length;
        const sim = sims[k] as SimNode;
        const count = (samples.get(k) ?? 0) + 1;
        samples.set(k, count);
        tracker.sent(sim.name, sendDatasetReport(sim, `ds-${k}`, count));
      }
      if (sent >= rate * seconds) {
        clearInterval(tick);
        resolve();
      }
      if (Math.floor(elapsed) !== Math.floor(elapsed - 0.005) && Math.floor(elapsed) % 10 === 0) log(`  sustained: ${sent} sent, ${tracker.latencies.length} acknowledged, ${tracker.inFlight} in flight`);
    }, 5);
  });
  const sendSeconds = (performance.now() - t0) / 1000;
  // The reports still unacknowledged a drain period after the last send count as slower than any acknowledged one
  // (their latency is at least that long): a p99 among them is reported as null, not as a flattering number.
  const drainMs = Math.max(30_000, seconds * 1000);
  await until('every sustained report acknowledged', () => (tracker.inFlight === 0 || performance.now() - t0 > sendSeconds * 1000 + drainMs ? true : undefined), drainMs + 10_000);
  const ackSeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const unacked = tracker.inFlight;
  const acked = Math.max(1, sent - unacked);
  const gmCpuMs = ((cpuSeconds(options.gmPid) - gmCpu0) * 1000) / acked;
  const apiCpuMs = ((cpuSeconds(options.apiPid) - apiCpu0) * 1000) / acked;
  const withUnacked = [...tracker.latencies, ...Array.from({ length: unacked }, () => Number.POSITIVE_INFINITY)];
  const result: SustainedResult = {
    rate_target_per_s: rate,
    seconds,
    reports_sent: sent,
    reports_acked_per_s: Math.round(tracker.latencies.length / ackSeconds),
    reports_unacked_after_drain: unacked,
    ack_p50_ms: finite(round(percentile(withUnacked, 0.5))),
    ack_p99_ms: finite(round(percentile(withUnacked, 0.99))),
    peak_gm_rss_mb: round(peakGm),
    peak_apiserver_rss_mb: round(peakApi),
    gm_cpu_ms_per_report: round(gmCpuMs, 3),
    apiserver_cpu_ms_per_report: round(apiCpuMs, 3),
  };
  log(`sustained: ${sent} reports over ${sendSeconds.toFixed(1)} s (asked ${rate}/s), ${sent - unacked} acknowledged after ${ackSeconds.toFixed(1)} s (${unacked} not); send to ack p50 ${result.ack_p50_ms} ms, p99 ${result.ack_p99_ms} ms; peak RSS GM ${result.peak_gm_rss_mb} MB, API server ${result.peak_apiserver_rss_mb} MB; CPU per report GM ${result.gm_cpu_ms_per_report} ms, API server ${result.apiserver_cpu_ms_per_report} ms`);
  return result;
}

/**
 * Kills the GM and waits until every simulated LC has been resynced by the new one and every node is Ready.
 * `resyncedSince(t)` counts the LCs resynced after t; `readyNodes()` lists the Ready nodes in the API.
 */
export async function gmRestart(options: { gmPid: () => number; nodes: number; resyncedSince: (t: number) => number; readyNodes: () => Promise<number>; log: (m: string) => void }): Promise<{ gm_restart_resynced_s: number; gm_restart_ready_and_resynced_s: number }> {
  const pid = options.gmPid();
  const t0 = performance.now();
  process.kill(pid, 'SIGKILL');
  options.log(`GM (pid ${pid}) killed with ${options.nodes} LCs connected`);
  await until('a new GM', () => (options.gmPid() !== pid ? true : undefined), 60_000);
  await until('every LC resynced', () => (options.resyncedSince(t0) >= options.nodes ? true : undefined), 120_000);
  const resynced = (performance.now() - t0) / 1000;
  await until('every node Ready', async () => ((await options.readyNodes()) >= options.nodes ? true : undefined), 120_000);
  const ready = (performance.now() - t0) / 1000;
  options.log(`GM restart: every LC resynced ${resynced.toFixed(2)} s after the kill, every node Ready at ${ready.toFixed(2)} s`);
  return { gm_restart_resynced_s: round(resynced, 2), gm_restart_ready_and_resynced_s: round(ready, 2) };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function round(x: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(x * scale) / scale;
}
