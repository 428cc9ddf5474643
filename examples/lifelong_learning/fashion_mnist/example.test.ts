/**
 * The example on a slice, with real processes (knowledge base server, train, eval and inference workers) and a
 * stand-in LC: the new site is found unseen, labelled, learned in the update round and served after hot reload.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, runExample, type RunReport } from './run.js';
import { INITIAL_SITES, NEW_SITE } from './sites.js';

describe('lifelong learning example (Fashion-MNIST sites, local processes)', () => {
  let workDir: string;
  let report: RunReport;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'sedna-ll-example-'));
    report = await runExample({
      workDir,
      data: { trainPerSite: 300, feedPerSite: 40, newSiteFeed: 400, testPerSite: 200 },
      // A slice learns less well than the full example: the eval worker keeps models above 0.3, not 0.5.
      workerEnv: { model_threshold: '0.3' },
      timeoutMs: 180_000,
      echo: false,
      log: () => undefined,
    });
  }, 300_000);

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('finds the new site unseen at the edge and labels its samples into the dataset', () => {
    expect(report.unseenDetection.newSiteRecall).toBeGreaterThan(0.9);
    expect(report.unseenDetection.falseAlarmRate).toBeLessThan(0.1);
    expect(report.labelled.bySite[NEW_SITE]).toBe(400);
    expect(report.feed[0]?.sites[NEW_SITE]?.unseen).toBe(400);
  });

  it('learns the new site in the update round and serves it after hot reload', () => {
    const [untrained, round1, round2] = report.matrix;
    expect(round1?.[NEW_SITE]?.unseenShare).toBe(1);
    expect(round2?.[NEW_SITE]?.unseenShare).toBeLessThan(0.1);
    expect((round2?.[NEW_SITE]?.accuracy ?? 0) - (round1?.[NEW_SITE]?.accuracy ?? 0)).toBeGreaterThan(0.3);
    for (const site of INITIAL_SITES) expect(round1?.[site]?.accuracy).toBeGreaterThan((untrained?.[site]?.accuracy ?? 0) + 0.4);
    expect(report.figures.bwt).toBeGreaterThan(-0.05);
    expect(report.feed.map((f) => f.version)).toEqual(report.rounds.map((r) => r.deployedVersion));
    expect(report.feed[1]?.sites[NEW_SITE]?.unseenShare).toBeLessThan(0.1);
  });

  it('reports to the LC in the original shapes and records the tasks in the knowledge base', () => {
    const train = report.rounds[1]?.trainReport as any;
    expect(train).toMatchObject({ kind: 'train', status: 'completed', ownerKind: 'lifelonglearningjob', ownerName: 'fashion-mnist-lifelong-demo' });
    expect(Object.keys(train.results[0].current_metric).sort()).toEqual([...INITIAL_SITES, NEW_SITE].sort());
    expect(train.results[0].classes).toHaveLength(10);
    expect(train.results[0].number_of_labeled_unseen_sample).toBeGreaterThanOrEqual(320);
    expect((report.rounds[0]?.evalReport as any).results[0].current_metric.entrance.precision).toBeGreaterThan(0.5);
    expect(report.knowledgeBase.task_groups.map((g) => g.name).sort()).toEqual([...INITIAL_SITES, NEW_SITE].sort());
    expect(report.knowledgeBase.task_groups.every((g) => g.deploy && g.models.some((m) => m.is_current))).toBe(true);
    expect(formatReport(report)).toContain('Backward transfer (BWT)');
  });
});
