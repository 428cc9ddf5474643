/**
 * The train worker: the initial training of the knowledge base, or, when the job has trained before
 * (HAS_COMPLETED_INITIAL_TRAINING=true), an update round that learns the labelled unseen samples.
 * Reads TRAIN_DATASET_URL, ORIGINAL_DATASET_URL, OUTPUT_URL, KB_SERVER, CLOUD_KB_INDEX; reports to LC_SERVER.
 */
import { createLifelong, loadSamples, requireEnv } from './worker-config.js';

const samples = await loadSamples(requireEnv('TRAIN_DATASET_URL'), 'train');
const ll = createLifelong();
console.log(`${ll.settings.hasCompletedInitialTraining ? 'update round' : 'initial training'} on ${samples.size} samples from ${process.env['TRAIN_DATASET_URL']}`);
const result = await ll.train(samples);
const groups = result.index.seen_task.task_groups.map((g) => `${g.entry} (${g.model?.train_samples} samples)`);
console.log(`knowledge base index ${result.index.create_time}: ${groups.join(', ')}; written to ${result.published.indexUrl}`);
if (result.updates.length > 0) console.log(`updates: ${result.updates.map((u) => `${u.kind} ${u.kind === 'retrain' ? u.task : u.task.entry}`).join(', ')}`);
