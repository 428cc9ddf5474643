/**
 * The user worker of ObjectSearchService (in the cloud, behind the Service `<name>-userworker` on 9379): where the
 * user asks and gets answers.
 * - POST /user/query: query images (the wire format: `crop` attachments, `userID`) become the targets, through the
 *   example's feature extractor (`MODEL_URL` in the template's env); an image showing no object is refused (400).
 *   `query_images` (|-separated files) in the env gives a first query at start.
 * - GET /user/targets: the targets' features and their version, which the ReID workers fetch.
 * - POST /user/hits: the ReID workers' hits (JSON); GET /user/hits: where and when each target was seen
 *   (also appended to hits.jsonl in output_dir).
 * - GET /user/status.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { cropsOf, decodeMessage, encodeMessage, featuresAttachment, WIRE_CONTENT_TYPE, WireError, type Crop, type DetTrackMessage } from '@sedna/lib/multi_edge_inference';
import { multiEdgeRecorder } from '@sedna/lib/metrics';
import { FeatureExtractor } from './embedder.js';
import { OwnerKinds } from './owner-kinds.js';
import { log, outputDir, readImage, Reporter } from './worker-common.js';

const WHO = `userworker ${process.env.WORKER_NAME ?? ''}`;
const reporter = new Reporter(OwnerKinds.objs, WHO);
// Served from the start (the query images' feature extraction is what it measures), scraped like every worker.
const metrics = multiEdgeRecorder();
const counters = { queries: 0, targets: 0, hits: 0, refused: 0 };
const MAX_BODY = 32 * 1024 * 1024;
const MAX_HITS = 100_000;
const model = process.env.MODEL_URL;
if (!model) throw new Error('MODEL_URL is not set: the user worker turns query images into features and needs the extractor (set it in the template env)');
const extractor = new FeatureExtractor();
await extractor.load(model);
const hitsFile = join(outputDir(), 'hits.jsonl');
writeFileSync(hitsFile, '');

let targets: { version: number; userID: string; rows: Float32Array[]; at: number } | undefined;
const hits: Record<string, unknown>[] = [];

async function query(crops: Crop[], userID: string): Promise<void> {
  if (crops.length === 0) throw new WireError('a query needs at least one image (crop attachment)');
  const started = performance.now();
  const rows = await extractor.embedCrops(crops, true);
  metrics.extraction(rows.length, (performance.now() - started) / 1000);
  targets = { version: (targets?.version ?? 0) + 1, userID, rows, at: Date.now() };
  counters.queries++;
  counters.targets = rows.length;
  log(WHO, `query ${targets.version} of user ${userID}: ${rows.length} target(s)`);
  void reporter.report({ ...counters });
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new WireError(`body larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, code: number, value: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}

function targetsMessage(): DetTrackMessage | undefined {
  if (!targets) return undefined;
  const f = featuresAttachment(targets.rows, extractor.dim);
  return { header: { camera: 'user', frame_index: 0, detection_time: new Date(targets.at).toISOString(), userID: targets.userID, bbox_coord: [], confidence: [], tracklets: [], attachments: [f.info], extra: { version: targets.version } }, attachments: [f.bytes] };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://user');
  const route = `${req.method} ${url.pathname}`;
  if (route === 'POST /user/query') {
    const message = decodeMessage(await body(req));
    await query(cropsOf(message), message.header.userID ?? 'DEFAULT');
    return json(res, 200, { version: targets!.version, targets: targets!.rows.length });
  }
  if (route === 'GET /user/targets') {
    const message = targetsMessage();
    if (!message) {
      res.writeHead(204);
      return void res.end();
    }
    const bytes = encodeMessage(message);
    res.writeHead(200, { 'Content-Type': WIRE_CONTENT_TYPE, 'Content-Length': bytes.length });
    return void res.end(bytes);
  }
  if (route === 'POST /user/hits') {
    const batch = JSON.parse((await body(req)).toString('utf8')) as unknown;
    if (!Array.isArray(batch)) throw new WireError('hits must be a JSON list');
    for (const h of batch as Record<string, unknown>[]) {
      const line = { ...h, user: targets?.userID, query_ms: targets?.at };
      hits.push(line);
      appendFileSync(hitsFile, JSON.stringify(line) + '\n');
    }
    if (hits.length > MAX_HITS) hits.splice(0, hits.length - MAX_HITS);
    counters.hits += batch.length;
    void reporter.report({ ...counters });
    return json(res, 200, { received: batch.length });
  }
  if (route === 'GET /user/hits') return json(res, 200, { version: targets?.version ?? 0, hits });
  if (route === 'GET /user/status') return json(res, 200, { ...counters, version: targets?.version ?? 0 });
  json(res, 404, { error: `no route ${route}; known: POST /user/query, GET /user/targets, POST /user/hits, GET /user/hits, GET /user/status` });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (err instanceof WireError || err instanceof SyntaxError) counters.refused++;
    json(res, err instanceof WireError || err instanceof SyntaxError ? 400 : 500, { error: (err as Error).message });
  });
});
const host = process.env.USER_WORKER_BIND_URL || '0.0.0.0';
const port = Number(process.env.USER_WORKER_BIND_PORT || 9379);
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, host, () => resolve());
});
log(WHO, `serving /user on ${host}:${port}`);
const initial = (process.env.query_images ?? '').split('|').map((s) => s.trim()).filter(Boolean);
if (initial.length > 0) await query(initial.map((p) => readImage(p)), process.env.user_id ?? 'DEFAULT');
await reporter.report({ ...counters }, 'running', true);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
