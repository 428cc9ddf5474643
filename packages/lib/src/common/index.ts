export { BaseConfig, Context, parseKeyValueList } from './config.js';
export type { AlgorithmSpec, Env, MiningMode, Transmitter } from './config.js';
export { ClassFactory, ClassType, UnknownAlgorithmError } from './class-factory.js';
export type { ClassTypeName, ParamConstructor, Registrable } from './class-factory.js';
export { convertLike, parseBoolean, parseBoundedNumber, parseInteger, parseNumber } from './parameters.js';
export type { NumberBounds, ParamSource, ParamValue } from './parameters.js';
export { seededRandom } from './random.js';
export type { RandomSource } from './random.js';
// The base types every estimator and worker shares.
export type { Estimator, Labels, Metrics, Tensor, TrainOptions, WeightTensor } from '../core/estimator.js';
