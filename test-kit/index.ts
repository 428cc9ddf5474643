/** The tests' shared helpers (issue 12, point 7): see README.md. */
export { waitFor } from './wait.js';
export { tempDir, tempFolder } from './temp.js';
export { freePort } from './ports.js';
export { exited, stopChild } from './processes.js';
