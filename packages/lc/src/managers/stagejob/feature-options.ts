/** The options of a stage-job manager on this node, from the LC's feature context. */
import type { LcFeatureContext } from '../feature.js';
import type { StageJobManagerOptions } from './job-manager.js';

export function stageJobOptions(ctx: LcFeatureContext, kind: string): StageJobManagerOptions {
  return {
    nodeName: ctx.nodeName,
    dataDir: ctx.dataDir,
    roots: ctx.datasetRoots,
    send: (namespace, name, content) => ctx.upstream(kind, namespace, name, content),
    samples: (key) => ctx.datasets().samples(key),
    datasetInfo: (key) => {
      const snapshot = ctx.datasets().get(key);
      return snapshot ? { ...(snapshot.format ? { format: snapshot.format } : {}), ...(snapshot.header ? { header: snapshot.header } : {}) } : undefined;
    },
    warn: (m) => ctx.log(m),
    log: (m) => ctx.log(m),
  };
}
