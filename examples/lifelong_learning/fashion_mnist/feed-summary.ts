/** What the edge worker writes after each pass over the camera feed: per-site counts under one index version. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { predictedClasses, type LifelongInferenceResult, type SampleSet } from './sedna-lib.js';

export interface SiteCounts {
  samples: number;
  unseen: number;
  correct: number;
}

export interface FeedSummary {
  /** create_time of the index that answered the whole pass. */
  version: string;
  samples: number;
  seconds: number;
  sites: Record<string, SiteCounts & { accuracy: number; unseenShare: number }>;
  /** Which group's model answered how many samples. */
  answeredBy: Record<string, number>;
  unseenSaved: number;
}

export class FeedTally {
  private readonly sites = new Map<string, SiteCounts>();
  private readonly answeredBy = new Map<string, number>();
  private readonly rows: string[] = ['image,site,label,predicted,seen,task,answered_by,reason,score'];
  private samples = 0;

  constructor(
    private readonly attribute: string,
    private readonly started = Date.now(),
  ) {}

  add(batch: SampleSet, result: LifelongInferenceResult): void {
    const predicted = predictedClasses(result.predictions);
    for (let i = 0; i < batch.size; i++) {
      const site = batch.attributes[i]?.[this.attribute] ?? '';
      const outcome = result.outcomes[i];
      if (outcome === undefined) throw new Error(`no outcome for sample ${i} of the batch`);
      const counts = this.sites.get(site) ?? { samples: 0, unseen: 0, correct: 0 };
      counts.samples++;
      if (!outcome.seen) counts.unseen++;
      const label = batch.labels?.[i];
      if (label !== undefined && label === predicted[i]) counts.correct++;
      this.sites.set(site, counts);
      this.answeredBy.set(outcome.answeredBy, (this.answeredBy.get(outcome.answeredBy) ?? 0) + 1);
      this.rows.push([batch.ids[i], site, label ?? '', predicted[i], outcome.seen, outcome.task ?? '', outcome.answeredBy, outcome.reason ?? '', outcome.score.toFixed(4)].join(','));
      this.samples++;
    }
  }

  summary(version: string, unseenSaved: number): FeedSummary {
    const sites: FeedSummary['sites'] = {};
    for (const [site, c] of [...this.sites].sort(([a], [b]) => a.localeCompare(b))) {
      sites[site] = { ...c, accuracy: c.samples > 0 ? c.correct / c.samples : 0, unseenShare: c.samples > 0 ? c.unseen / c.samples : 0 };
    }
    return { version, samples: this.samples, seconds: (Date.now() - this.started) / 1000, sites, answeredBy: Object.fromEntries(this.answeredBy), unseenSaved };
  }

  /** Writes predictions-<version>.csv, then summary-<version>.json (the file the runner waits for) atomically. */
  async write(dir: string, summary: FeedSummary): Promise<string> {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `predictions-${summary.version}.csv`), this.rows.join('\n') + '\n');
    const file = summaryFile(dir, summary.version);
    await writeFile(`${file}.partial`, JSON.stringify(summary, null, 2));
    await rename(`${file}.partial`, file);
    return file;
  }
}

export function summaryFile(dir: string, version: string): string {
  return path.join(dir, `summary-${version}.json`);
}
