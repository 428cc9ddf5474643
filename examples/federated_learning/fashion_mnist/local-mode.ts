/**
 * `run.ts --local`: the aggregator and the three training workers as processes on this machine, without a control
 * plane. The runner does what the GM and LC would: it starts each worker with its template's command, working
 * folder and env, plus the env the GM injects (sedna-reference §3.10): for the aggregator AGG_BIND_PORT,
 * PARTICIPANTS_COUNT, MODEL_URL, TRANSMITTER, JOB_NAME, WORKER_NAME, NAMESPACE; for each trainer AGG_IP, AGG_PORT,
 * PARTICIPANTS_COUNT, TRAIN_DATASET_URL, DATASET_NAME, MODEL_NAME, MODEL_URL, TRANSMITTER, JOB_NAME, WORKER_NAME,
 * NAMESPACE. There is no local controller, so no LC_SERVER: the workers do not report.
 */
import { join } from 'node:path';
import { containerArgv, freePort, WorkerProcess } from '../../common/worker-process.js';
import type { Container, Manifest, PodTemplate } from './manifest.js';

export interface LocalRunOptions {
  manifest: Manifest;
  /** Where the workers' logs go (aggregator.log, trainer-1.log, ...). */
  logDir: string;
  /** Echo the workers' log lines (default true). */
  echo?: boolean;
  timeoutMs: number;
  log: (line: string) => void;
}

function suffix(): string {
  return Math.random().toString(36).slice(2, 7);
}

function containerOf(template: PodTemplate, who: string): Container {
  const container = template.spec.containers[0];
  if (container === undefined || !container.command || container.command.length === 0) throw new Error(`${who}'s template has no container with a command`);
  return container;
}

/** The parent's environment without Sedna's variables, so nothing of this shell leaks into a worker. */
function baseEnv(): Record<string, string> {
  const sedna = /^(AGG_|PARTICIPANTS_COUNT|MODEL_|TRAIN_DATASET_URL|DATASET_NAME|TRANSMITTER|JOB_NAME|WORKER_NAME|NAMESPACE|LC_SERVER|PRETRAINED_MODEL_URL)/;
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !sedna.test(entry[0])));
}

export async function runLocal(options: LocalRunOptions): Promise<void> {
  const { manifest, log } = options;
  const echo = options.echo ?? true;
  const job = manifest.job;
  const namespace = job.metadata.namespace ?? 'default';
  const participants = String(job.spec.trainingWorkers.length);
  const modelName = job.spec.aggregationWorker.model.name;
  const modelUrl = manifest.modelUrls.get(modelName);
  if (modelUrl === undefined) throw new Error(`the manifest has no Model "${modelName}"`);
  const port = await freePort();
  const templateEnv = (container: Container): Record<string, string> => Object.fromEntries((container.env ?? []).map((entry) => [entry.name, entry.value ?? '']));
  const common = { NAMESPACE: namespace, JOB_NAME: job.metadata.name, PARTICIPANTS_COUNT: participants, TRANSMITTER: 'ws' };

  const workers: WorkerProcess[] = [];
  const aggregatorContainer = containerOf(job.spec.aggregationWorker.template, 'the aggregation worker');
  workers.push(
    WorkerProcess.start(
      'aggregator',
      containerArgv(aggregatorContainer, 'the aggregation worker'),
      { cwd: aggregatorContainer.workingDir, env: { ...baseEnv(), ...templateEnv(aggregatorContainer), ...common, WORKER_NAME: `aggworker-${suffix()}`, MODEL_URL: modelUrl, AGG_BIND_IP: '127.0.0.1', AGG_BIND_PORT: String(port) }, logFile: join(options.logDir, 'aggregator.log'), echo, log },
    ),
  );
  job.spec.trainingWorkers.forEach((worker, index) => {
    const dataset = manifest.datasets.get(worker.dataset.name);
    if (dataset === undefined) throw new Error(`trainingWorkers[${index}] uses the Dataset "${worker.dataset.name}", which the manifest lacks`);
    const container = containerOf(worker.template, `trainingWorkers[${index}]`);
    const env = {
      ...baseEnv(),
      ...templateEnv(container),
      ...common,
      WORKER_NAME: `trainworker-${suffix()}`,
      AGG_IP: '127.0.0.1',
      AGG_PORT: String(port),
      TRAIN_DATASET_URL: dataset.url,
      DATASET_NAME: worker.dataset.name,
      MODEL_NAME: modelName,
      MODEL_URL: modelUrl,
    };
    workers.push(WorkerProcess.start(`trainer-${index + 1}`, containerArgv(container, `trainer ${index + 1}`), { cwd: container.workingDir, env, logFile: join(options.logDir, `trainer-${index + 1}.log`), echo, log }));
  });
  log(`started the aggregator on 127.0.0.1:${port} and ${participants} training workers (logs in ${options.logDir})`);

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the job did not finish within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
  });
  try {
    // Any worker failing fails the job, as the GM would mark it Failed.
    const failures = workers.map((worker) =>
      worker.exited.then((code) => {
        if (code !== 0) throw new Error(`${worker.name} exited with code ${code}; its last lines:\n${worker.lastLines()}`);
      }),
    );
    await Promise.race([Promise.all(failures), timeout]);
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
