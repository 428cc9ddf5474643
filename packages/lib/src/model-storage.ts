/**
 * Estimators load and save models by URL; s3:// and http(s):// URLs go through the lib's storage module (with the
 * S3 credentials of the worker's environment). Importing the lib installs this once.
 */
import { setRemoteModelStorage } from './backend/model-location.js';
import { download, upload } from './storage/storage.js';

setRemoteModelStorage({ download: (src, dst) => download(src, dst), upload: (src, dst) => upload(src, dst) });
