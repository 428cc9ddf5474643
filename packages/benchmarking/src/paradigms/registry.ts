/** One line per paradigm: Ianvs's paradigm_type to the code that runs it. */
import type { ParadigmType } from '../config/algorithm.js';
import { federatedLearning } from './federated.js';
import { incrementalLearning } from './incremental.js';
import { jointInference } from './joint.js';
import { lifelongLearning } from './lifelong.js';
import { singleTaskLearning } from './singletask.js';
import { refusingSimulation } from './no-simulation.js';
import type { Paradigm } from './types.js';

export const PARADIGM_RUNNERS: Record<ParadigmType, Paradigm> = {
  singletasklearning: refusingSimulation('singletasklearning', singleTaskLearning),
  incrementallearning: refusingSimulation('incrementallearning', incrementalLearning),
  jointinference: refusingSimulation('jointinference', jointInference),
  federatedlearning: federatedLearning,
  lifelonglearning: refusingSimulation('lifelonglearning', lifelongLearning),
};
