/**
 * Which nodes a Pod fits, as the scheduler's filters decide it for what embedded pods use: the node is Ready and
 * schedulable, its labels match `spec.nodeSelector`, and one of the required node affinity terms
 * (`requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`, matchExpressions and matchFields).
 */
import type { NodeCondition } from '@sedna/api';
import type { ObjectOf } from '../../runtime/kinds.js';

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}
interface Term {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}
/** The part of a pod's (free-form) affinity the scheduler honours. */
interface AffinityView {
  nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] } };
}

export type Misfit = 'NotReady' | 'Unschedulable' | 'Selector';

export function isReady(node: ObjectOf<'Node'>): boolean {
  const conditions: NodeCondition[] = node.status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function matches(requirement: Requirement, value: string | undefined): boolean {
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

function termMatches(term: Term, node: ObjectOf<'Node'>): boolean {
  const labels = node.metadata.labels ?? {};
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // An empty term matches nothing, as in Kubernetes.
  if (expressions.length === 0 && fields.length === 0) return false;
  return expressions.every((r) => matches(r, labels[r.key])) && fields.every((r) => matches(r, r.key === 'metadata.name' ? node.metadata.name : undefined));
}

/** Why the node does not fit the pod, or undefined when it does. */
export function misfit(pod: ObjectOf<'Pod'>, node: ObjectOf<'Node'>): Misfit | undefined {
  if (!isReady(node)) return 'NotReady';
  if (node.spec.unschedulable) return 'Unschedulable';
  const labels = node.metadata.labels ?? {};
  if (Object.entries(pod.spec.nodeSelector ?? {}).some(([k, v]) => labels[k] !== v)) return 'Selector';
  const affinity: AffinityView | undefined = pod.spec.affinity;
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => termMatches(t, node))) return 'Selector';
  return undefined;
}

const MISFIT_TEXT: Record<Misfit, string> = {
  NotReady: "node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
  Unschedulable: 'node(s) were unschedulable',
  Selector: "node(s) didn't match Pod's node affinity/selector",
};

/** The scheduler's message: `0/3 nodes are available: 2 node(s) didn't match ..., 1 node(s) ... .` */
export function unschedulableMessage(total: number, misfits: Misfit[]): string {
  const counts = new Map<Misfit, number>();
  for (const m of misfits) counts.set(m, (counts.get(m) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${n} ${MISFIT_TEXT[m]}`);
  return `0/${total} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}
