/**
 * The edge worker of the Fashion-MNIST joint inference example (the original helmet example's little-model
 * program). Its "camera" streams Fashion-MNIST test images; each goes through the lib's JointInference with the
 * little ONNX model (MODEL_URL), and the hard ones are answered by the big model service (BIG_MODEL_IP:PORT).
 * It writes the three outputs of the original and a summary.json when the stream ends, then stays up (a
 * JointInferenceService's workers are services: a worker that ended would be started again) until SIGTERM.
 *
 * Environment: the lib's (MODEL_URL, BIG_MODEL_IP, BIG_MODEL_PORT, JOB_NAME, HEM_NAME, HEM_PARAMETERS,
 * MINING_MODE, LC_SERVER, WORKER_NAME, NAMESPACE, LC_PERIOD) and the example's (./edge-config.ts).
 */
import { readEdgeConfig, type EdgeConfig } from './edge-config.js';
import { argmax, EdgeOutputs, type StreamSummary } from './outputs.js';
import { BigModelClient, JointInference, loadFashionMnist, OnnxEstimator, type FashionMnistSlice } from './sedna-lib.js';

const log = (line: string): void => console.log(`${new Date().toISOString()} [edge] ${line}`);

/** Waits until the big model service answers GET /{job}, at most `seconds`; the stream starts either way. */
async function waitForCloud(endpoint: string, jobName: string, seconds: number): Promise<boolean> {
  const url = new URL(endpoint);
  const client = new BigModelClient({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port), jobName, timeoutMs: 2000 });
  const deadline = Date.now() + seconds * 1000;
  try {
    for (;;) {
      try {
        await client.info();
        return true;
      } catch {
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    client.close();
  }
}

async function stream(ji: JointInference, camera: FashionMnistSlice, config: EdgeConfig, outputs: EdgeOutputs): Promise<StreamSummary> {
  const count = camera.y.length;
  const width = camera.x.data.length / count;
  const every = Math.max(1, Math.floor(count / 10));
  const startedAt = new Date();
  const started = performance.now();
  let next = 0;
  let done = 0;
  let right = 0;
  let edgeRight = 0;
  let edgeRanOnAll = true;

  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const frame = { data: camera.x.data.subarray(i * width, (i + 1) * width), shape: [1, width] };
      const outcome = await ji.infer(frame);
      const label = camera.y[i] as number;
      if (argmax(outcome.result.data) === label) right++;
      if (outcome.edgeResult === null) edgeRanOnAll = false;
      else if (argmax(outcome.edgeResult.data) === label) edgeRight++;
      outputs.record(config.cameraOffset + i, label, outcome);
      done++;
      if (done % every === 0 || done === count) {
        const stats = ji.stats;
        const rate = done / ((performance.now() - started) / 1000);
        log(`${done}/${count} images: joint accuracy ${pct(right / done)}, sent to the cloud ${pct(stats.hardExamples / done)}, cloud failures ${stats.cloudFailures}, ${rate.toFixed(0)} images/s`);
      }
    }
  };
  await Promise.all(Array.from({ length: config.cameraConcurrency }, lane));

  const seconds = (performance.now() - started) / 1000;
  const stats = ji.stats;
  return {
    count,
    offset: config.cameraOffset,
    jointAccuracy: right / count,
    edgeAccuracy: edgeRanOnAll ? edgeRight / count : null,
    hardExamples: stats.hardExamples,
    uploadRatio: stats.hardExamples / count,
    cloudAnswers: stats.cloudAnswers,
    cloudFailures: stats.cloudFailures,
    seconds: Math.round(seconds * 1000) / 1000,
    throughput: Math.round((count / seconds) * 10) / 10,
    miningMode: ji.settings.miningMode,
    hardExampleMining: ji.settings.hardExampleMining,
    cloudEndpoint: ji.settings.cloudEndpoint,
    concurrency: config.cameraConcurrency,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

function pct(value: number): string {
  return `${(100 * value).toFixed(2)} %`;
}

async function main(): Promise<void> {
  const config = readEdgeConfig();
  const ji = await JointInference.create({ estimator: new OnnxEstimator(), log });
  const { jobName, miningMode, hardExampleMining, cloudEndpoint, lcServer } = ji.settings;
  log(`joint inference for ${jobName}: ${miningMode}, mining ${hardExampleMining ?? 'none'}, cloud ${cloudEndpoint}, reports to ${lcServer ?? 'nobody'}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    void ji.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const camera = await loadFashionMnist({ split: 'test', offset: config.cameraOffset, count: config.cameraCount, dir: config.datasetDir });
  if (config.cloudWaitSeconds > 0 && !(await waitForCloud(cloudEndpoint, jobName, config.cloudWaitSeconds))) {
    log(`the big model service did not answer within ${config.cloudWaitSeconds} s; streaming anyway (hard examples get the edge answer until it does)`);
  }
  log(`streaming test images ${config.cameraOffset}..${config.cameraOffset + config.cameraCount - 1}, ${config.cameraConcurrency} at a time`);
  const outputs = await EdgeOutputs.open(config);
  const summary = await stream(ji, camera, config, outputs);
  // The last counts go to the LC before the summary appears, so whoever waits for the summary finds them there.
  await ji.flushReport();
  const file = await outputs.finish(summary);
  log(`summary (${file}): ${JSON.stringify(summary)}`);

  if (config.exitWhenDone) {
    await ji.close();
    process.exit(0);
  }
  log('stream ended; staying up for the control plane (SIGTERM ends the worker)');
  setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  console.error(`${new Date().toISOString()} [edge] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
