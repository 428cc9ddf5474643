export {
  DatasetManager,
  DEFAULT_DATASET_CHECK_INTERVAL_MS,
  datasetKey,
  type DatasetManagerOptions,
  type DatasetObject,
  type DatasetRef,
  type DatasetSnapshot,
} from './dataset-manager.js';
export { DatasetError, type DatasetErrorReason } from './dataset-error.js';
export { resolveDatasetPath, readDatasetFile, makeRoots, MAX_DATASET_FILE_BYTES, type DatasetRoots } from './dataset-path.js';
export { datasetFormat, parseSamples, type DatasetFormat, type ParsedSamples } from './samples.js';
export { FileWatcher, type FileWatcherOptions } from './file-watcher.js';
