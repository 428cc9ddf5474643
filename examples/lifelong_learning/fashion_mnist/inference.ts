/**
 * The inference worker on the edge. It streams the camera feed (infer_dataset_url, as the original example's
 * simulation of inference samples) through the knowledge base at MODEL_URLS in batches: unseen samples are
 * answered by the nearest known site's model and saved to UT_SAVED_URL for labelling. After each pass over the feed
 * it writes infer_result_dir/summary-<index version>.json, then waits for a new index (hot reload: the lib polls
 * MODEL_URLS every MODEL_POLL_PERIOD_SECONDS) and streams the feed again under it. It runs until stopped.
 */
import path from 'node:path';

import { FeedTally } from './feed-summary.js';
import { Context } from './sedna-lib.js';
import { createLifelong, loadSamples, requireEnv, workerSettings } from './worker-config.js';

const context = new Context();
const feedUrl = requireEnv('infer_dataset_url');
const resultDir = context.getParameters('infer_result_dir', path.join(process.env['OUTPUT_URL'] ?? '/tmp', 'infer_results'));
const batchSize = context.getParameters('infer_batch_size', 100);
const feed = await loadSamples(feedUrl, 'test');
const ll = createLifelong();
const { attribute } = workerSettings();
let stopping = false;
const stop = (): void => {
  stopping = true;
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
console.log(`streaming ${feed.size} samples of ${feedUrl} through ${ll.settings.modelUrls[0]}; unseen samples go to ${ll.settings.unseenSaveUrl}`);

while (!stopping) {
  const tally = new FeedTally(attribute);
  let version: string | undefined;
  let restarted = false;
  for (let start = 0; start < feed.size && !stopping; start += batchSize) {
    const batch = feed.subset(Array.from({ length: Math.min(batchSize, feed.size - start) }, (_, k) => start + k));
    const result = await ll.inference(batch);
    if (version !== undefined && result.version !== version) {
      // A new index arrived mid-pass: the pass starts over, so one summary is one version.
      restarted = true;
      break;
    }
    version = result.version;
    tally.add(batch, result);
  }
  if (stopping) break;
  if (restarted || version === undefined) continue;
  const summary = tally.summary(version, ll.unseenSamplesSaved);
  await tally.write(resultDir, summary);
  const sites = Object.entries(summary.sites).map(([site, s]) => `${site} ${s.samples} samples, ${s.unseen} unseen, accuracy ${s.accuracy.toFixed(3)}`);
  console.log(`index ${version}: ${sites.join('; ')}; ${summary.unseenSaved} unseen samples saved so far`);
  // Wait for the next index: the lib's poll notices a new create_time at MODEL_URLS.
  while (!stopping && (ll.publishedVersion === undefined || ll.publishedVersion === version)) await new Promise((resolve) => setTimeout(resolve, 250));
}
await ll.close();
