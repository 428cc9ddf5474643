/**
 * `hard_example_saver`: keeps each item for labelling in HE_SAVED_URL with the lib's HardExampleWriter (the file,
 * then its line in index.txt, which the labeller and the LC's dataset pipeline read), then passes it on.
 */
import { HardExampleWriter } from '../../../core/incremental_learning/hard-examples.js';
import type { UnitDefinition } from '../../types.js';
import { defineUnit, option } from '../define.js';
import { requireRecord } from '../inference/records.js';
import { WORKER_ENV } from '@sedna/api/contracts';

const saver = defineUnit({
  name: 'hard_example_saver',
  kind: 'normal',
  description: 'Saves items as hard examples for labelling (HE_SAVED_URL: a file each, then a line in index.txt) and passes them on',
  inputs: [['in_inference', 'inference']],
  outputs: [['out_inference', 'inference']],
  options: [
    { name: 'dir', type: 'string', description: 'the folder', env: WORKER_ENV.HE_SAVED_URL, required: true },
    { name: 'prefix', type: 'string', description: 'file name prefix', default: 'he' },
    { name: 'first_pass_only', type: 'boolean', description: 'save only items of the first play of a looped source (meta pass 0): a frame seen again is no new hard example', default: false },
    { name: 'id_meta', type: 'string', description: 'the meta field that names a file (frame_id from the video units); a running number when absent', default: 'frame_id' },
  ],
  open(context) {
    const writer = new HardExampleWriter({ dir: option<string>(context, 'dir'), prefix: option<string>(context, 'prefix') });
    const idField = option<string>(context, 'id_meta');
    const firstPassOnly = option<boolean>(context, 'first_pass_only');
    return {
      async process(batch) {
        return Promise.all(
          batch.map(async (item) => {
            const record = requireRecord(item.ports.in_inference, 'in_inference');
            if (firstPassOnly && typeof item.meta.pass === 'number' && item.meta.pass > 0) return { ports: { out_inference: record } };
            const id = item.meta[idField];
            // The writer takes samples with their batch axis of 1.
            const input = record.input.shape[0] === 1 && record.input.shape.length > 1 ? record.input : { data: record.input.data, shape: [1, ...record.input.shape] };
            const file = await writer.save({ input, output: record.output, ...(typeof id === 'string' || typeof id === 'number' ? { id: String(id) } : {}) });
            return { ports: { out_inference: record }, meta: { hard_example_file: file } };
          }),
        );
      },
    };
  },
});

export const incrementalUnits: UnitDefinition[] = [saver];
