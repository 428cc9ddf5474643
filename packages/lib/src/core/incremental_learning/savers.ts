/** Extra formats a train worker can save its model in next to the estimator's own (IncrementalTrainOptions.alsoSave). */
import { joinUrl } from '../../backend/model-location.js';
import { saveOnnx, type ExportableEstimator } from '../../onnx/export.js';
import type { Estimator } from '../estimator.js';
import type { ModelSaver } from './incremental-learning.js';

/** Exports the trained model (tfjs or mlp estimator) to `<model folder>/<fileName>` as ONNX, for fast inference. */
export function onnxSaver<E extends Estimator & ExportableEstimator>(fileName = 'model.onnx'): ModelSaver<E> {
  return (estimator, modelDir) => saveOnnx(estimator, joinUrl(modelDir, fileName));
}
