/**
 * A federated learning job deleted in the middle of its rounds and created again under the same name, with the same
 * Model (so the same checkpoint file), on `sedna up`: the new job starts from round 1 instead of resuming the old
 * job's checkpoint (which would end it at once with the old job's model). The aggregator and trainers are this lib's,
 * so the run also shows the job credential the GM gives them accepted end to end.
 */
import { lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSednaUp } from '../../../../examples/common/sedna-up-fixture.js';
import { kubectl as runKubectl } from '../../../../examples/python_compat/harness.js';
import { COMPAT_DIR, federatedLearningYaml, typescript } from '../../../../examples/python_compat/manifests.js';
import { waitFor as until } from '../harness.js';

const up = useSednaUp({ name: 'fl-recreated', edgeNodes: 1, exampleDir: COMPAT_DIR });
const kubectl = (args: string[], manifest?: string): Promise<string> => runKubectl(up, args, manifest);

/** Every file and folder under `root` (symbolic links not followed, sockets left out: their mode is not access). */
function walk(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isSymbolicLink() || entry.isSocket()) continue;
    out.push(path);
    if (entry.isDirectory()) out.push(...walk(path));
  }
  return out;
}

async function pods(): Promise<any[]> {
  return JSON.parse(await kubectl(['get', 'pods', '-l', 'federatedlearningjob.sedna.io/name=fl-again', '-o', 'json'])).items;
}

async function aggregatorLog(): Promise<string> {
  const aggregator = (await pods()).find((p: any) => p.metadata.labels['federatedlearningjob.sedna.io/worker-type'] === 'aggregation');
  return aggregator ? kubectl(['logs', aggregator.metadata.name]).catch(() => '') : '';
}

describe('a federated learning job created again under the same name', () => {
  it("starts from round 1, not from the deleted job's checkpoint", async () => {
    const data = join(up.workDir, 'data.csv');
    writeFileSync(data, '0.1,0.2,0.3,1\n0.4,0.5,0.6,0\n');
    const yaml = (rounds: number): string =>
      federatedLearningYaml('fl-again', join(up.workDir, 'model'), typescript('ts_aggregator.ts', { exit_round: String(rounds) }), [{ dataset: 'fl-again-data', node: 'edge-node-1', worker: typescript('ts_fl_trainer.ts', { DATA_FILE: data }) }]);

    // The first job: many rounds; deleted once two of them are checkpointed.
    await kubectl(['apply'], yaml(10_000));
    const firstUid = JSON.parse(await kubectl(['get', 'federatedlearningjob', 'fl-again', '-o', 'json'])).metadata.uid;
    await until('the first job to complete two rounds', async () => (/round 2\/10000 aggregated/.test(await aggregatorLog()) ? true : undefined), 90_000);
    await kubectl(['delete', 'federatedlearningjob', 'fl-again']);
    await until("the first job's workers to be gone", async () => ((await pods()).length === 0 ? true : undefined), 60_000);

    // The same name again: another uid, a fresh run of its own two rounds.
    await kubectl(['apply'], yaml(2));
    const job = await until('the second job to finish', async () => {
      const current = JSON.parse(await kubectl(['get', 'federatedlearningjob', 'fl-again', '-o', 'json']));
      return current.status?.phase === 'Succeeded' || current.status?.phase === 'Failed' ? current : undefined;
    }, 90_000);
    const log = await aggregatorLog();
    expect(job.metadata.uid).not.toBe(firstUid);
    expect(job.status.phase, log).toBe('Succeeded');
    expect(log).toContain(`not resuming from the checkpoint ${join(up.workDir, 'model')}.fl-checkpoint: it belongs to an earlier job of the same name (uid ${firstUid}`);
    expect(log).toMatch(/round 1\/2 aggregated/);
    expect(log).toMatch(/round 2\/2 aggregated/);
    expect(log).toContain("callers need the job's credential");

    // Finding 4 on a running system: every file and folder the control plane, the LCs and the workers wrote (the
    // databases with their side files, tokens, the outbox, pod files, container logs, checkpoints) is owner-only.
    // (In the work folder only what the workers wrote: the test wrote the data and manifests with its own umask; and
    // not .kube, the discovery cache of the test's kubectl, a client with its own modes.)
    const written = [...walk(up.dataDir).filter((path) => !path.startsWith(join(up.dataDir, '.kube'))), ...walk(up.workDir).filter((path) => path.startsWith(join(up.workDir, 'model')))];
    expect(written.some((path) => path.endsWith('.fl-checkpoint'))).toBe(true);
    const readable = written.filter((path) => (lstatSync(path).mode & 0o077) !== 0).map((path) => `${path} ${(lstatSync(path).mode & 0o777).toString(8)}`);
    expect(readable).toEqual([]);
  }, 240_000);
});
