export { up, type UpHandle, type UpOptions } from './commands/up.js';
export { startControlPlane, type ControlPlaneOptions, type RunningControlPlane } from './commands/control-plane.js';
export { join } from './commands/join.js';
export { readControlPlaneInfo, type ControlPlaneInfo } from './paths.js';
