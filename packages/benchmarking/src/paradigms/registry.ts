/** One line per paradigm: Ianvs's paradigm_type to the code that runs it, in the case's process or on the simulated control plane. */
import type { ParadigmType } from '../config/algorithm.js';
import { federatedLearning } from './federated.js';
import { incrementalLearning } from './incremental.js';
import { jointInference } from './joint.js';
import { lifelongLearning } from './lifelong.js';
import { singleTaskLearning } from './singletask.js';
import { localEvenWhenSimulated, onClusterWhenSimulated, refusingSimulation } from './simulated.js';
import type { Paradigm } from './types.js';

export const PARADIGM_RUNNERS: Record<ParadigmType, Paradigm> = {
  singletasklearning: localEvenWhenSimulated('singletasklearning', singleTaskLearning),
  incrementallearning: onClusterWhenSimulated(incrementalLearning, async () => (await import('./incremental-cluster.js')).incrementalOnCluster),
  jointinference: onClusterWhenSimulated(jointInference, async () => (await import('./joint-cluster.js')).jointInferenceOnCluster),
  federatedlearning: onClusterWhenSimulated(federatedLearning, async () => (await import('./federated-cluster.js')).federatedOnCluster),
  lifelonglearning: refusingSimulation('lifelonglearning', lifelongLearning),
};
