import { ClassFactory, ClassType } from '../../common/class-factory.js';
import type { AlgorithmSpec } from '../../common/config.js';
import { Float16Codec, Float32Codec, Int8LinearCodec, TopKCodec, type WeightCodec } from './codecs.js';

export { Float16Codec, Float32Codec, Int8LinearCodec, TopKCodec, largestMagnitudes, type WeightCodec } from './codecs.js';
export { codecOf, decodeWeights, type FloatAllocator } from './decode.js';
export { roundTripError, type RoundTripError } from './error.js';
export { FLOAT16_MAX, fromFloat16Bits, toFloat16Bits } from './float16.js';

/** Registers the codecs under ClassType.COMPRESSION (idempotent). */
export function registerCompression(): void {
  ClassFactory.register(ClassType.COMPRESSION, 'Float32')(Float32Codec);
  ClassFactory.register(ClassType.COMPRESSION, 'Float16')(Float16Codec);
  ClassFactory.register(ClassType.COMPRESSION, 'Int8Linear')(Int8LinearCodec);
  ClassFactory.register(ClassType.COMPRESSION, 'TopK')(TopKCodec);
}

export function createCodec(spec: AlgorithmSpec): WeightCodec {
  return ClassFactory.createFromSpec<WeightCodec>(ClassType.COMPRESSION, spec);
}
