/**
 * What every paradigm's compiler shares: a worker unit's pod template, the unit of a type the paradigm needs
 * exactly one of, and the value of the unit feeding an input (a Model's or Dataset's name, a camera's URL).
 */
import type { GraphProblem } from './check.js';
import type { ComposerGraph, ComposerNode } from './units.js';

/** The pod template of a worker unit: placed on its node, its command, the environment given. */
export function template(n: ComposerNode, env: Record<string, string> = {}, extra: { labels?: Record<string, string>; restartPolicy?: string } = {}) {
  const command = (n.values['command'] ?? '').trim().split(/\s+/).filter(Boolean);
  const envList = Object.entries(env).filter(([, v]) => v).map(([name, value]) => ({ name, value }));
  return {
    ...(extra.labels ? { metadata: { labels: extra.labels } } : {}),
    spec: {
      nodeName: n.values['node'],
      containers: [{ name: n.id, image: n.values['image'] || 'worker:latest', command, ...(envList.length ? { env: envList } : {}) }],
      ...(extra.restartPolicy ? { restartPolicy: extra.restartPolicy } : {}),
    },
  };
}

export class CompileContext {
  constructor(
    readonly g: ComposerGraph,
    readonly problems: GraphProblem[],
  ) {}

  /** The one unit of a type `what` needs (a problem when there is none or several). */
  one(type: string, what: string): ComposerNode | undefined {
    const found = this.all(type);
    if (found.length === 0) this.problems.push({ message: `${what} needs a ${type.replace(/_/g, ' ')} unit` });
    if (found.length > 1) this.problems.push({ message: `${what} takes one ${type.replace(/_/g, ' ')} unit, the graph has ${found.length}` });
    return found[0];
  }

  all(type: string): ComposerNode[] {
    return this.g.nodes.filter((n) => n.type === type);
  }

  /** The unit connected to `node`'s input `port`. */
  source(node: ComposerNode | undefined, port: string): ComposerNode | undefined {
    const edge = this.g.edges.find((e) => e.target === node?.id && e.targetPort === port);
    return this.g.nodes.find((n) => n.id === edge?.source);
  }

  /** The value of the unit connected to `node`'s input `port` (a Model's or Dataset's name). */
  feeding(node: ComposerNode | undefined, port: string, field: string): string | undefined {
    return this.source(node, port)?.values[field];
  }

  /** Whether `from`'s output feeds `to`. */
  connected(from: ComposerNode, to: ComposerNode): boolean {
    return this.g.edges.some((e) => e.source === from.id && e.target === to.id);
  }
}
