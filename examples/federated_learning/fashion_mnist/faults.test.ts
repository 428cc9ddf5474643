/**
 * Faults on the embedded control plane (`sedna up`, a cloud node and three edge nodes, a slice of Fashion-MNIST):
 * the example's job runs 5 rounds with a round timeout and min_clients 2; one training worker's process is
 * SIGKILLed in the middle of a round, and the aggregator's process right after a later round. The LC restarts both
 * (the GM gives its workers restartPolicy OnFailure, so neither pod ever becomes Failed, which would fail the job);
 * the round the trainer died in still completes and the restarted trainer rejoins at the round the job is in, and
 * the restarted aggregator resumes from its checkpoint after the last completed round instead of round 1. The job
 * ends Succeeded with one Training condition per round and exactly 5 rounds in the aggregator's history.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '@sedna/gm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../../../packages/cli/src/commands/up.js';
import { ensureBuilt } from '../../../packages/cli/test/harness.js';
import { podFolders, stopControlPlaneAndPods, workerPids } from '../../../packages/cli/test/pod-processes.js';
import { kubectlPath } from '../../../packages/apiserver/test/harness.js';
import { EXAMPLE_DIR } from './manifest.js';
import type { RoundRecord } from './sedna-lib.js';

const JOB = 'fashion-mnist-fl-example';
const NAMESPACE = 'default';
const ROUNDS = 5;
/** A round the trainer is killed in must leave a later round for the aggregator's crash and one after it. */
const LAST_ROUND_TO_KILL_A_TRAINER_IN = ROUNDS - 2;

interface Condition {
  type: string;
  message?: string;
}
interface Job {
  status?: { phase?: string; conditions?: Condition[]; failed?: number };
}
interface ContainerStatus {
  restartCount: number;
  lastState?: { terminated?: { exitCode: number; signal?: number } };
}
interface Pod {
  metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { nodeName?: string; containers: { env?: { name: string; value?: string }[] }[] };
  status?: { phase?: string; containerStatuses?: ContainerStatus[] };
}
interface ClientInfo {
  client_id: string;
  info: { round: number; submitted: boolean };
}

let handle: UpHandle;
let client: KubeClient;
let dataDir: string;
let workDir: string;
let runner: ChildProcess | undefined;

beforeAll(async () => {
  ensureBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-fl-faults-'));
  workDir = mkdtempSync(join(tmpdir(), 'sedna-fl-faults-work-'));
  handle = await up({ dataDir, edgeNodes: 3, apiPort: 0, hubPort: 0, datasetRoots: ['/'], log: () => undefined });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(handle.kubeconfig);
  client = new KubeClient(kc);
}, 120_000);

afterAll(async () => {
  runner?.kill('SIGKILL');
  client?.close();
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

// --- the pods' processes

/** SIGKILLs the worker program of a running pod (found by its uid); returns the pids killed. */
function killWorker(pod: Pod, program: string): number[] {
  const folder = podFolders(dataDir).find((candidate) => candidate.uid === pod.metadata.uid);
  if (folder?.wrapperPid === undefined) throw new Error(`pod ${pod.metadata.name} has no running process on ${pod.spec.nodeName}`);
  const pids = workerPids(folder.wrapperPid, program);
  if (pids.length === 0) throw new Error(`no process runs ${program} in the process group of pod ${pod.metadata.name}`);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  return pids;
}

// --- the job through the API

async function getJob(): Promise<Job> {
  return client.request<Job>('GET', `/apis/sedna.io/v1alpha1/namespaces/${NAMESPACE}/federatedlearningjobs/${JOB}`);
}

async function listPods(): Promise<Pod[]> {
  const selector = encodeURIComponent(`federatedlearningjob.sedna.io/name=${JOB}`);
  return (await client.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=${selector}`)).items;
}

/** Rounds named by the job's Training conditions ("Round 3 reaches at ..."), in order. */
function trainingRounds(job: Job): number[] {
  return (job.status?.conditions ?? []).filter((c) => c.type === 'Training').map((c) => Number(/^Round (\d+) /.exec(c.message ?? '')?.[1]));
}

function env(pod: Pod, name: string): string {
  const value = pod.spec.containers[0]?.env?.find((entry) => entry.name === name)?.value;
  if (value === undefined) throw new Error(`pod ${pod.metadata.name} has no env ${name}`);
  return value;
}

const isTrainer = (pod: Pod): boolean => pod.metadata.labels?.['federatedlearningjob.sedna.io/worker-type'] === 'train';
const isAggregator = (pod: Pod): boolean => pod.metadata.labels?.['federatedlearningjob.sedna.io/worker-type'] === 'aggregation';
const restarts = (pod: Pod): number => pod.status?.containerStatuses?.[0]?.restartCount ?? 0;

describe('the federated learning example on sedna up, with faults', () => {
  it('completes the round a killed trainer was in, resumes a killed aggregator from its checkpoint, and ends with every round once', async () => {
    const started = Date.now();
    const timeline: string[] = [];
    const note = (line: string): void => void timeline.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`);

    // The example's runner applies the job and waits for it; the test meanwhile watches and kills. 100 local epochs
    // of ~1,000 images make a round last seconds, so "mid-round" is a wide window; iid shares keep the trainers in
    // step. The round timeout is long enough that the restarted trainer normally makes it into its round, and short
    // enough that the test would not hang if it did not (min_clients 2 then closes the round without it).
    let out = '';
    let exitCode: number | undefined;
    const exited = new Promise<number>((resolve) => {
      runner = spawn(
        process.execPath,
        ['--import', 'tsx', join(EXAMPLE_DIR, 'run.ts'), '--kubeconfig', handle.kubeconfig, '--kubectl', kubectlPath(), '--work-dir', workDir,
          '--count', '3000', '--test-count', '300', '--split', 'iid', '--rounds', String(ROUNDS), '--epochs', '100',
          '--min-clients', '2', '--round-timeout', '20', '--no-central', '--keep', '--quiet', '--timeout', '200'],
        { cwd: EXAMPLE_DIR, env: { ...process.env, HOME: dataDir } },
      );
      runner.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      runner.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      runner.on('close', (code) => resolve((exitCode = code ?? -1)));
    });

    /** Polls `check` until it gives a value; fails at once, with the runner's output, if the runner has ended. */
    const until = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        if (exitCode !== undefined) throw new Error(`waiting for ${what}: run.ts ended (${exitCode}):\n${out}`);
        try {
          const value = await check();
          if (value !== undefined) return value;
        } catch (error) {
          last = error;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const podNamed = async (name: string): Promise<Pod | undefined> => (await listPods()).find((pod) => pod.metadata.name === name);
    const roundsSoFar = async (): Promise<number[]> => trainingRounds(await getJob());

    const pods = await until('the aggregator and three trainers running', async () => {
      const list = await listPods();
      return list.filter((pod) => pod.status?.phase === 'Running').length === 4 ? list : undefined;
    });
    const aggregator = pods.find(isAggregator)!;
    // The aggregator's HTTP side says, per connected worker, which round is open and whether it has sent its update.
    const infoUrl = `http://127.0.0.1:${env(aggregator, 'AGG_BIND_PORT')}/${env(aggregator, 'aggregation_algorithm')}`;
    // It takes callers of its job only: the credential the GM gave the job's workers.
    const credential = env(aggregator, 'SEDNA_JOB_CREDENTIAL');
    expect(credential).toMatch(/^sj1\./);
    const clientInfo = async (worker: string): Promise<ClientInfo | undefined> => {
      const response = await fetch(`${infoUrl}?client_id=${encodeURIComponent(worker)}`, { headers: { authorization: `Bearer ${credential}` } });
      return response.ok ? ((await response.json()) as ClientInfo) : undefined;
    };
    const victim = pods.find((pod) => isTrainer(pod) && pod.metadata.annotations?.['sedna.io/worker-index'] === '0')!;
    const victimWorker = env(victim, 'WORKER_NAME');
    note(`pods running; the trainer to kill is ${victim.metadata.name} (${victimWorker}) on ${victim.spec.nodeName}`);

    // 1. A trainer dies mid-round: after round 1, while it is connected in the open round and has not sent its update.
    const killRound = await until('the trainer in the middle of round 2 or later', async () => {
      const info = await clientInfo(victimWorker);
      return info !== undefined && info.info.round >= 2 && !info.info.submitted ? info.info.round : undefined;
    });
    expect(killRound, 'the trainer should be caught in a round that leaves room for the rest of the test').toBeLessThanOrEqual(LAST_ROUND_TO_KILL_A_TRAINER_IN);
    const killedTrainerPids = killWorker(victim, 'trainer.ts');
    note(`round ${killRound} open, ${victimWorker} has not sent its update: SIGKILL to its process ${killedTrainerPids.join(', ')}`);

    const restartedTrainer = await until('the LC to restart the killed trainer', async () => {
      const pod = await podNamed(victim.metadata.name);
      return pod !== undefined && restarts(pod) >= 1 && pod.status?.phase === 'Running' ? pod : undefined;
    });
    note(`${victim.metadata.name} restarted (restartCount ${restarts(restartedTrainer)}, phase ${restartedTrainer.status?.phase})`);
    await until(`round ${killRound} to complete`, async () => ((await roundsSoFar()).includes(killRound) ? true : undefined));
    note(`round ${killRound} completed`);

    // 2. The aggregator dies after the next round completed, while the one after it is being trained.
    const crashAfter = killRound + 1;
    await until(`round ${crashAfter} to complete`, async () => ((await roundsSoFar()).includes(crashAfter) ? true : undefined));
    const killedAggregatorPids = killWorker(aggregator, 'aggregator.ts');
    note(`round ${crashAfter} completed: SIGKILL to the aggregator's process ${killedAggregatorPids.join(', ')}`);
    const restartedAggregator = await until('the LC to restart the aggregator', async () => {
      const pod = await podNamed(aggregator.metadata.name);
      return pod !== undefined && restarts(pod) >= 1 && pod.status?.phase === 'Running' ? pod : undefined;
    });
    note(`${aggregator.metadata.name} restarted (restartCount ${restarts(restartedAggregator)})`);

    const status = await exited;
    note(`run.ts ended (${status})`);
    expect(status, out).toBe(0);

    // The job: Succeeded, never Failed, one Training condition per round in order.
    const job = await getJob();
    expect(job.status?.phase).toBe('Succeeded');
    expect(job.status?.failed ?? 0).toBe(0);
    expect((job.status?.conditions ?? []).map((c) => c.type).filter((type) => type !== 'Training')).toEqual(['Complete']);
    expect(trainingRounds(job)).toEqual(Array.from({ length: ROUNDS }, (_, index) => index + 1));

    // The pods: each killed one restarted once by the LC after its SIGKILL (exit status 137, signal 9) and then
    // completed; the others never restarted.
    const finalPods = await listPods();
    expect(finalPods.map((pod) => pod.status?.phase)).toEqual(finalPods.map(() => 'Succeeded'));
    for (const pod of finalPods) {
      const killed = pod.metadata.name === victim.metadata.name || pod.metadata.name === aggregator.metadata.name;
      expect(restarts(pod), pod.metadata.name).toBe(killed ? 1 : 0);
      if (killed) expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 137, signal: 9 });
    }

    // The aggregator's records: exactly the rounds 1..5, once each; its final report (the Model's metrics, which the
    // runner prints) has the rounds of its first run too, from the checkpoint.
    const printed = JSON.parse(out.trim().split('\n').at(-1)!) as { fl_acc_per_round: number[]; model_metrics?: { key: string; value: string }[] };
    expect(printed.fl_acc_per_round).toHaveLength(ROUNDS);
    expect(printed.model_metrics?.find((metric) => metric.key === 'accuracy')?.value).toBe(JSON.stringify(printed.fl_acc_per_round));
    const summary = JSON.parse(readFileSync(join(workDir, 'output', 'summary.json'), 'utf8')) as { rounds: number; history: RoundRecord[] };
    expect(summary.rounds).toBe(ROUNDS);
    expect(summary.history.map((record) => record.round)).toEqual(Array.from({ length: ROUNDS }, (_, index) => index + 1));
    // The round the trainer died in closed with enough updates: all three when its restarted process made it in
    // time (the usual case), else the two others by timeout (min_clients 2).
    const killedIn = summary.history[killRound - 1]!;
    const trainers = finalPods.filter(isTrainer).map((pod) => env(pod, 'WORKER_NAME'));
    const expected = killedIn.closedBy === 'participants' ? trainers : trainers.filter((worker) => worker !== victimWorker);
    expect([...killedIn.accepted].sort()).toEqual(expected.sort());
    // The restarted trainer is the same worker (same WORKER_NAME) and contributes again.
    expect(summary.history.slice(killRound - 1).some((record) => record.accepted.includes(victimWorker))).toBe(true);

    // The logs of both runs of each killed worker, through the LC's node API: as on a kubelet, the previous run's
    // log is `kubectl logs --previous`, the current one `kubectl logs`.
    const kubectlLogs = (pod: string, previous: boolean): Promise<{ code: number; text: string }> =>
      new Promise((resolve) => {
        const child = spawn(kubectlPath(), ['--kubeconfig', handle.kubeconfig, 'logs', '-n', NAMESPACE, pod, ...(previous ? ['--previous'] : [])]);
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, text }));
      });
    const logs = async (pod: string): Promise<string> => {
      const previous = await kubectlLogs(pod, true);
      expect(previous.code, previous.text).toBe(0);
      const current = await kubectlLogs(pod, false);
      expect(current.code, current.text).toBe(0);
      return previous.text + current.text;
    };
    // The aggregator's first run saw the trainer join at round 1 and its second process rejoin at the round the job
    // was in (or the next one, had the round closed by timeout before it was back), never round 1 again.
    const aggregatorLog = await logs(aggregator.metadata.name);
    const resumed = /resuming from the checkpoint (\S+) after round (\d+)/.exec(aggregatorLog);
    expect(resumed, aggregatorLog).not.toBeNull();
    const [firstRun, secondRun] = aggregatorLog.split(resumed![0]) as [string, string];
    const joins = [...firstRun.matchAll(new RegExp(`worker "${victimWorker}" joined \\(binary; \\d+ connected\\) at round (\\d+)`, 'g'))].map((match) => Number(match[1]));
    expect(joins, firstRun).toHaveLength(2);
    expect(joins[0]).toBe(1);
    const rejoinedAt = joins[1]!;
    expect(rejoinedAt).toBeGreaterThanOrEqual(killRound);
    expect(rejoinedAt).toBeLessThanOrEqual(killRound + 1);
    // The aggregator's second run resumed after the last round it had completed, and aggregated only the rest.
    const resumedAfter = Number(resumed![2]);
    expect(resumed![1]).toBe(`${env(aggregator, 'MODEL_URL')}.fl-checkpoint`);
    expect(resumedAfter).toBeGreaterThanOrEqual(crashAfter);
    expect(resumedAfter).toBeLessThan(ROUNDS);
    const aggregated = (text: string): number[] => [...text.matchAll(/round (\d+)\/\d+ aggregated/g)].map((match) => Number(match[1]));
    expect(aggregated(firstRun)).toEqual(Array.from({ length: resumedAfter }, (_, index) => index + 1));
    expect(aggregated(secondRun)).toEqual(Array.from({ length: ROUNDS - resumedAfter }, (_, index) => resumedAfter + index + 1));
    note(`the trainer rejoined at round ${rejoinedAt}; round ${killRound} closed by ${killedIn.closedBy} with ${killedIn.accepted.length} update(s); the aggregator resumed after round ${resumedAfter}`);
    console.log(`faults.test timeline:\n${timeline.join('\n')}`);
  }, 300_000);
});
