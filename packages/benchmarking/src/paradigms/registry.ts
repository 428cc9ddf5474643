/**
 * One line per paradigm: Ianvs's paradigm_type to the code that runs it, in the case's process or on the simulated
 * control plane. Each is imported when a case runs it: a case runs one paradigm, and loading every paradigm's lib
 * entry point (federated learning's alone is about half a second) was a large part of each case's start.
 */
import type { ParadigmType } from '../config/algorithm.js';
import { localEvenWhenSimulated, onClusterWhenSimulated } from './simulated.js';
import type { Paradigm, ParadigmContext } from './types.js';

/** A paradigm whose module loads at its first run. */
function lazy(load: () => Promise<Paradigm>): Paradigm {
  return async (ctx: ParadigmContext) => (await load())(ctx);
}

export const PARADIGM_RUNNERS: Record<ParadigmType, Paradigm> = {
  singletasklearning: localEvenWhenSimulated('singletasklearning', lazy(async () => (await import('./singletask.js')).singleTaskLearning)),
  incrementallearning: onClusterWhenSimulated(
    lazy(async () => (await import('./incremental.js')).incrementalLearning),
    async () => (await import('./incremental-cluster.js')).incrementalOnCluster,
  ),
  jointinference: onClusterWhenSimulated(
    lazy(async () => (await import('./joint.js')).jointInference),
    async () => (await import('./joint-cluster.js')).jointInferenceOnCluster,
  ),
  federatedlearning: onClusterWhenSimulated(
    lazy(async () => (await import('./federated.js')).federatedLearning),
    async () => (await import('./federated-cluster.js')).federatedOnCluster,
  ),
  lifelonglearning: onClusterWhenSimulated(
    lazy(async () => (await import('./lifelong.js')).lifelongLearning),
    async () => (await import('./lifelong-cluster.js')).lifelongOnCluster,
  ),
};
