/**
 * An Event for every stage transition of a stage job (Train/Waiting -> Train/Ready -> ...), Warning for a failed
 * stage, so that `kubectl get events` and `kubectl describe` tell a job's story. Reason: stage and condition
 * (`TrainRunning`, `EvalFailed`), as Kubernetes' UpperCamelCase reasons. Recorded through the GM's event recorder;
 * an event that cannot be written is logged, never a reason to fail the transition itself.
 */
import type { KubeObject, StageCondition } from '@sedna/api';
import type { ObjectClient } from '../../runtime/client.js';
import { recordEvent } from '../../runtime/events.js';

export async function recordStageTransition(client: ObjectClient, job: KubeObject, next: StageCondition): Promise<void> {
  const type = next.type === 'Failed' ? 'Warning' : 'Normal';
  const message = `${next.stage} ${next.type}${next.message ? `: ${next.message}` : ''}`;
  await recordEvent(client, job, type, `${next.stage}${next.type}`, message).catch((err: unknown) => {
    console.warn(`[gm] cannot record the event ${next.stage}${next.type} of ${job.metadata.namespace}/${job.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
  });
}
