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
 *   INFERENCE_PORT     optional: also answers `POST /predict` on this port (INFERENCE_HOST, default 127.0.0.1) with
 *                      the serving model. The body is one or more 28×28 images as raw grey levels (784 bytes each);
 *                      the answer `{"classes": [...], "hard": [...], "modelVersion": "..."}` names the model version
 *                      that answered ("initial" before the first hot update). These images are mined but not saved
 *                      as hard examples: the labeller only knows the camera's frames.
 * It runs until stopped (SIGTERM). Run: `node --import tsx .../inference.ts`.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { argmax, Context, decodePgm, IncrementalLearning, OnnxEstimator, readTxtIndexRows, type Estimator } from './lib.js';
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

  const server = process.env.INFERENCE_PORT ? await serve(il, Number(process.env.INFERENCE_PORT), process.env.INFERENCE_HOST || '127.0.0.1') : undefined;

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
  if (server) {
    server.close();
    server.closeAllConnections();
  }
  await il.close();
}, log);

/** The HTTP face of the worker (INFERENCE_PORT): each request is one inference with the model serving now. */
async function serve<E extends Estimator>(il: IncrementalLearning<E>, port: number, host: string): Promise<Server> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`INFERENCE_PORT must be a port number, got ${JSON.stringify(process.env.INFERENCE_PORT)}`);
  const reply = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/predict') return reply(res, 404, { error: 'POST /predict with 784 grey levels per image' });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.length === 0 || body.length % 784 !== 0) return reply(res, 400, { error: `the body must be 784 bytes per image, got ${body.length}` });
      const n = body.length / 784;
      const data = new Float32Array(body.length);
      for (let i = 0; i < body.length; i++) data[i] = (body[i] as number) / 255;
      il.inference({ data, shape: [n, 784] }, { keepHardExamples: false }).then(
        (out) => reply(res, 200, { classes: Array.from({ length: n }, (_, k) => argmax(out.inferResult.data, k * 10, 10)), hard: out.hardExamples, modelVersion: out.modelVersion ?? 'initial' }),
        (error: unknown) => reply(res, 500, { error: error instanceof Error ? error.message : String(error) }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  log(`answering POST /predict on ${host}:${port}`);
  return server;
}
