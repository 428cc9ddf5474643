/** The tests' one poller lives in test-kit/ (shared by every package). */
export { waitFor } from '../../../../test-kit/index.js';
