/**
 * Task remodeling (ClassType.STP): one batch of samples per model group, each remembering where its samples were in
 * the input, so the groups' predictions can be put back in order.
 */
import { LifelongParamReader, type LifelongParams } from './params.js';
import type { SampleSet } from './sample-set.js';
import type { RemodeledPart, TaskRemodeling } from './types.js';

export class DefaultTaskRemodeling implements TaskRemodeling {
  readonly name = 'DefaultTaskRemodeling';

  constructor(param: LifelongParams = {}) {
    new LifelongParamReader(`task remodeling "${this.name}"`, param, []);
  }

  remodel(samples: SampleSet, groups: readonly (string | null)[]): { parts: RemodeledPart[]; unassigned: number[] } {
    if (groups.length !== samples.size) throw new Error(`${this.name}: ${groups.length} group choices for ${samples.size} samples`);
    const byGroup = new Map<string, number[]>();
    const unassigned: number[] = [];
    groups.forEach((group, i) => {
      if (group === null) {
        unassigned.push(i);
        return;
      }
      const list = byGroup.get(group) ?? [];
      list.push(i);
      byGroup.set(group, list);
    });
    // Groups in name order, as the original went through allocation values in ascending order.
    const parts = [...byGroup.keys()].sort().map((group) => {
      const indices = byGroup.get(group) as number[];
      return { group, indices, samples: samples.subset(indices) };
    });
    return { parts, unassigned };
  }
}
