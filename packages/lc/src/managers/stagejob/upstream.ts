/**
 * What the stage job managers (incremental and lifelong learning) send upstream (kind `incrementallearningjob` or
 * `lifelonglearningjob`, operation status): the stage protocol of @sedna/api/contracts (stage-protocol.ts), which the
 * GM reads with the same module.
 */
import type { StageUpstreamContent } from '@sedna/api/contracts';

export type { StagePhase, StageStatus, StageUpstreamContent, UpstreamInput, UpstreamModel, UpstreamOutput } from '@sedna/api/contracts';

export type SendUpstream = (namespace: string, name: string, content: StageUpstreamContent) => void;
