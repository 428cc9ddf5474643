/**
 * What the original Python lib (`sedna` package) sends to `POST /sedna/workers/{name}/info`, mapped onto the
 * report shape our managers take. Read from the original's lib/sedna/core/base.py (JobBase.report_task_info),
 * lib/sedna/service/client.py (LCReporter) and the original LC and GM (pkg/localcontroller/server, the managers'
 * monitorWorker, pkg/globalmanager/controllers/*\/upstream.go):
 *
 * - JointInference's LCReporter sends `{name, namespace, ownerName, ownerKind: "jointinferenceservice",
 *   kind: "inference", results: [], ownerInfo: {...counters}}` with no `status`. The original LC forwarded the empty
 *   status and the GM read only `ownerInfo`; here such a report is a `running` one.
 * - FederatedLearning never sets its job kind, so its reports carry `ownerKind: "default"` (the original LC dropped
 *   them: no manager has that name). Here the worker's own pod says which job it belongs to, and the report goes to
 *   that kind's manager, as the worker meant it to. Where this LC does not run the pod (a cluster's kubelet does), a
 *   `train` report with "default" can only come from FederatedLearning (the only class of the original that trains
 *   without setting its kind) and goes to the federated learning jobs; the GM refuses it if no such job exists.
 * - `results: null`, `ownerInfo: null` (Go's and Python's "nothing") are absent fields.
 *
 * Anything else missing or malformed is still refused with a 400 that names the field (worker-message.ts).
 */

/** The owner kind the original's JobBase reports when a feature class did not set its own. */
export const ORIGINAL_DEFAULT_OWNER_KIND = 'default';

/** The only reporting class of the original that trains with the default kind is FederatedLearning. */
const DEFAULT_KIND_BY_PHASE: Readonly<Record<string, string>> = { train: 'federatedlearningjob' };

/** Worker phases the original reports without a status: the inference reporter's periodic counters. */
const PHASES_WITHOUT_STATUS: Readonly<Record<string, string>> = { inference: 'running' };

/** Looks up the owner of a worker this node runs: the kind (lower case, e.g. `federatedlearningjob`) and name. */
export type WorkerOwnerLookup = (name: string, namespace: string) => { kind: string; name: string } | undefined;

/** The outcome of adapting a body: the body to parse, or the reason it cannot be adapted (a 400). */
export type AdaptedBody = { ok: true; body: unknown } | { ok: false; reason: string };

/**
 * Fills in what the original lib leaves out, before the strict parse: the status of inference reports, and the
 * owner kind of `default` reports (from `ownerOf`, the worker's pod). Other bodies pass unchanged.
 */
export function adaptOriginalLibMessage(body: unknown, ownerOf: WorkerOwnerLookup | undefined): AdaptedBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: true, body };
  const fields = { ...(body as Record<string, unknown>) };
  for (const optional of ['results', 'ownerInfo'] as const) if (fields[optional] === null) delete fields[optional];

  const status = fields['status'];
  const phase = fields['kind'];
  if ((status === undefined || status === null || status === '') && typeof phase === 'string' && PHASES_WITHOUT_STATUS[phase] !== undefined) {
    fields['status'] = PHASES_WITHOUT_STATUS[phase];
  }

  if (typeof fields['ownerKind'] === 'string' && fields['ownerKind'].toLowerCase() === ORIGINAL_DEFAULT_OWNER_KIND) {
    const name = fields['name'];
    const namespace = fields['namespace'];
    if (typeof name !== 'string' || typeof namespace !== 'string') return { ok: true, body: fields }; // the parse names the field
    const owner = ownerOf?.(name, namespace) ?? (typeof phase === 'string' && DEFAULT_KIND_BY_PHASE[phase] !== undefined ? { kind: DEFAULT_KIND_BY_PHASE[phase], name: '' } : undefined);
    if (owner === undefined) {
      return {
        ok: false,
        reason: `field "ownerKind" is "default" (the original lib sends it from classes that set no kind) and worker ${namespace}/${name} has no owner on this node to take its kind from; send the job's kind, e.g. "federatedlearningjob"`,
      };
    }
    fields['ownerKind'] = owner.kind;
    // The original's JobBase falls back to JOB_NAME "sedna" when JOB_NAME is unset; the pod knows the real owner.
    if ((typeof fields['ownerName'] !== 'string' || fields['ownerName'] === '') && owner.name !== '') fields['ownerName'] = owner.name;
  }
  return { ok: true, body: fields };
}
