/** The built-in units (README.md lists them with their ports and options). */
import type { UnitDefinition } from '../types.js';
import { fileUnits } from './files/index-input.js';
import { httpUnits } from './http/http-units.js';
import { imageUnits } from './image/image-units.js';
import { incrementalUnits } from './incremental/saver-unit.js';
import { onnxInference } from './inference/onnx-unit.js';
import { jointUnits } from './joint/cloud-unit.js';
import { miningUnits } from './mining/hem-units.js';
import { outputUnits } from './output/output-units.js';
import { reportUnits } from './report/lc-reporter-unit.js';
import { videoUnits } from './video/video-units.js';

export function builtinUnits(): UnitDefinition[] {
  return [...videoUnits, ...fileUnits, ...imageUnits, onnxInference, ...miningUnits, ...jointUnits, ...incrementalUnits, ...httpUnits, ...outputUnits, ...reportUnits];
}
