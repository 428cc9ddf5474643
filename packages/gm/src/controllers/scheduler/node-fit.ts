/**
 * Which nodes a Pod fits, as the scheduler's filters decide it for what embedded pods use: the node is Ready and
 * schedulable, its labels match `spec.nodeSelector`, and one of the required node affinity terms
 * (`requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`, matchExpressions and matchFields).
 */
import type { KubeObject, NodeCondition } from '@sedna/api';

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}
interface Term {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}
interface PodSpecView {
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] } } };
}

export type Misfit = 'NotReady' | 'Unschedulable' | 'Selector';

export function isReady(node: KubeObject): boolean {
  return ((node['status'] as { conditions?: NodeCondition[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
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

function termMatches(term: Term, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // An empty term matches nothing, as in Kubernetes.
  if (expressions.length === 0 && fields.length === 0) return false;
  return expressions.every((r) => matches(r, labels[r.key])) && fields.every((r) => matches(r, r.key === 'metadata.name' ? node.metadata.name : undefined));
}

/** Why the node does not fit the pod, or undefined when it does. */
export function misfit(pod: KubeObject, node: KubeObject): Misfit | undefined {
  if (!isReady(node)) return 'NotReady';
  if ((node['spec'] as { unschedulable?: boolean } | undefined)?.unschedulable) return 'Unschedulable';
  const spec = (pod['spec'] ?? {}) as PodSpecView;
  const labels = node.metadata.labels ?? {};
  if (Object.entries(spec.nodeSelector ?? {}).some(([k, v]) => labels[k] !== v)) return 'Selector';
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
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
