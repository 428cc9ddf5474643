/** The stage-machine jobs (IncrementalLearningJob, LifelongLearningJob): one feature per kind on one controller. */
import type { Feature } from '../../features/feature.js';
import { StageJobController, stageJobDeclaration, type StageJobKind, type StageJobKindName } from './controller.js';

export function stageJobFeature<K extends StageJobKindName>(name: string, kind: StageJobKind<K>): Feature {
  return {
    name,
    kinds: [kind.kind],
    workerReportKinds: [kind.kind],
    register: ({ manager, client, addressing, router, config }) => {
      manager.add(stageJobDeclaration(kind), (cache) => new StageJobController(kind, { cache, client, addressing, router, kbServer: config.knowledgeBaseServer.server }));
    },
  };
}
