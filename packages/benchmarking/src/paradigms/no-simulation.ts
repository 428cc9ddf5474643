/** Paradigms that do not run as jobs on the simulated control plane yet refuse a simulation instead of faking one. */
import type { Paradigm } from './types.js';

export function refusingSimulation(name: string, run: Paradigm): Paradigm {
  return async (ctx) => {
    if (ctx.spec.simulation) {
      throw new Error(`simulation: ${name} as a job on the simulated control plane is not implemented (federatedlearning is); remove simulation to run it in the case's process`);
    }
    return run(ctx);
  };
}
