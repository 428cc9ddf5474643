/**
 * How a paradigm runs under `simulation`: as a real job on the simulated control plane (its `*-cluster.ts`, loaded
 * only then); for single-task learning, which has no edge-cloud part, in the case's process as without simulation,
 * with a line in the case's log saying so.
 */
import type { Paradigm } from './types.js';

export function onClusterWhenSimulated(local: Paradigm, cluster: () => Promise<Paradigm>): Paradigm {
  return async (ctx) => (ctx.spec.simulation ? (await cluster())(ctx) : local(ctx));
}

export function localEvenWhenSimulated(name: string, local: Paradigm): Paradigm {
  return async (ctx) => {
    if (ctx.spec.simulation) ctx.log(`simulation: ${name} has no edge-cloud part and runs in the case's process; the simulated control plane is not used for it`);
    return local(ctx);
  };
}
