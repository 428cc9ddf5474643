/**
 * The inference worker of the incremental learning job: the edge camera's classifier. Reads, as the GM sets them:
 *   MODEL_URL                the deployed model (ONNX)
 *   HEM_NAME, HEM_PARAMETERS the hard example mining of deploySpec.hardExampleMining (CrossEntropy here)
 *   MODEL_HOT_UPDATE, MODEL_HOT_UPDATE_CONFIG, MODEL_POLL_PERIOD_SECONDS  (deploySpec.model.hotUpdateEnabled)
 * and from its template env:
 *   FRAMES_URL         the camera: an index of frame images, streamed in order (the original read a video)
 *   HE_SAVED_URL       where hard examples go for labelling
 *   FRAME_BATCH (16), FRAME_INTERVAL_MS (40): frames per step and the pause between steps
 *   LOOP (true)        start the stream again at its end
 *   RESULTS_URL        optional: appends `frame predicted-class model-version` per frame (the example measures
 *                      the live accuracy from it)
 * It runs until stopped (SIGTERM). Run: `node --import tsx .../inference.ts`.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { argmax, Context, decodePgm, IncrementalLearning, OnnxEstimator, readTxtIndexRows } from './lib.js';
import { logger, required, runMain } from './worker-env.js';

const log = logger('inferworker');

runMain(async () => {
  const context = new Context();
  const framesUrl = required('FRAMES_URL');
  const batch = context.getParameters('FRAME_BATCH', 16);
  const interval = context.getParameters('FRAME_INTERVAL_MS', 40);
  const loop = context.getParameters('LOOP', true);
  const resultsUrl = process.env.RESULTS_URL;
  const frames = (await readTxtIndexRows(framesUrl)).map((row) => path.resolve(path.dirname(framesUrl), row.columns[0] as string));
  if (frames.length === 0) throw new Error(`${framesUrl} lists no frames`);
  if (resultsUrl) await mkdir(path.dirname(resultsUrl), { recursive: true });

  const il = new IncrementalLearning({
    estimator: new OnnxEstimator(),
    createEstimator: () => new OnnxEstimator(),
    log,
    onHotUpdate: (event) => {
      if (event.type === 'updated') log(`hot update: now serving ${event.modelPath} (version ${event.version})`);
      else log(`hot update: ${event.type}: ${'error' in event ? String((event.error as Error)?.message ?? event.error) : ''}`);
    },
  });
  log(`serving ${process.env.MODEL_URL} on ${frames.length} frames; hard example mining ${il.hem?.name ?? 'none'}; hot update ${il.hotUpdate.enabled ? 'on' : 'off'}`);

  let stopping = false;
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  let seen = 0;
  let hard = 0;
  let next = 0;
  let pass = 1;
  while (!stopping) {
    if (next >= frames.length) {
      if (!loop) break;
      next = 0;
      pass++;
    }
    const files = frames.slice(next, next + batch);
    next += files.length;
    const data = new Float32Array(files.length * 784);
    for (const [k, file] of files.entries()) {
      const image = decodePgm(await readFile(file), file);
      for (let i = 0; i < 784; i++) data[k * 784 + i] = (image.pixels[i] ?? 0) / 255;
    }
    const ids = files.map((file) => path.basename(file, '.pgm'));
    // A frame seen again is no new hard example: only the first pass over the stream saves them.
    const out = await il.inference({ data, shape: [files.length, 784] }, { ids, keepHardExamples: pass === 1 });
    seen += files.length;
    if (pass === 1) hard += out.hardExamples.filter(Boolean).length;
    if (resultsUrl) {
      const version = out.modelVersion ?? 'initial';
      const lines = ids.map((id, k) => `${id} ${argmax(out.inferResult.data, k * 10, 10)} ${version}`);
      await appendFile(resultsUrl, lines.join('\n') + '\n');
    }
    if (Math.floor(seen / 2000) !== Math.floor((seen - files.length) / 2000)) log(`${seen} frames (pass ${pass}), ${hard} hard examples saved, serving ${out.modelVersion ?? 'the initial model'}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  log(`stopping after ${seen} frames (${hard} hard examples saved)`);
  await il.close();
}, log);
