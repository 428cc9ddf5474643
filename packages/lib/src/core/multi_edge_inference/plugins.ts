/**
 * The original's PLUGIN enum: each name is a server (binds) or an interface (`_I`, a client of that server), with
 * the environment variables and defaults of lib/sedna/core/multi_edge_inference/plugins/registered.py. The client
 * defaults are the cluster DNS names the original's samples depend on ("DON'T EDIT THIS LABEL"); on this control
 * plane the GM sets the variables to the peer service's real address, and its name (FE_SERVICE_NAME,
 * REID_SERVICE_NAME: the broker's subjects carry it), so any name works.
 */
import type { Env } from '../../common/config.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export const PLUGIN = {
  ReID_Server: 'ReID_Server',
  ReID_I: 'ReID_I',
  Feature_Extraction: 'Feature_Extraction',
  Feature_Extraction_I: 'Feature_Extraction_I',
  VideoAnalytics: 'VideoAnalytics',
  VideoAnalytics_I: 'VideoAnalytics_I',
  ReIDManager: 'ReIDManager',
  ReIDManager_I: 'ReIDManager_I',
} as const;
export type PluginName = keyof typeof PLUGIN;

interface PluginDef {
  /** The REST path prefix: /feature_extraction/..., /video_analytics/..., /reid/... */
  service: string;
  hostEnv: string;
  portEnv: string;
  port: number;
  server: boolean;
  clientHost: string;
  /** The variable naming the service (its owner object): a server's own name, or the GM-given name of the peer. */
  nameEnv: string;
  /** The original's sample name of the owner object. */
  defaultName: string;
}

const DEFS: Partial<Record<PluginName, PluginDef>> = {
  ReID_Server: { service: 'reid', hostEnv: WORKER_ENV.REID_MODEL_BIND_URL, portEnv: WORKER_ENV.REID_MODEL_BIND_PORT, port: 5000, server: true, clientHost: '', nameEnv: WORKER_ENV.JOB_NAME, defaultName: 'reid' },
  ReID_I: { service: 'reid', hostEnv: WORKER_ENV.REID_MODEL_BIND_URL, portEnv: WORKER_ENV.REID_MODEL_BIND_PORT, port: 5000, server: false, clientHost: 'reid-reid', nameEnv: WORKER_ENV.REID_SERVICE_NAME, defaultName: 'reid' },
  Feature_Extraction: { service: 'feature_extraction', hostEnv: WORKER_ENV.FE_MODEL_BIND_URL, portEnv: WORKER_ENV.FE_MODEL_BIND_PORT, port: 6000, server: true, clientHost: '', nameEnv: WORKER_ENV.SERVICE_NAME, defaultName: 'feature-extraction' },
  Feature_Extraction_I: { service: 'feature_extraction', hostEnv: WORKER_ENV.FE_MODEL_BIND_URL, portEnv: WORKER_ENV.FE_MODEL_BIND_PORT, port: 6000, server: false, clientHost: 'feature-extraction-fe', nameEnv: WORKER_ENV.FE_SERVICE_NAME, defaultName: 'feature-extraction' },
  VideoAnalytics: { service: 'video_analytics', hostEnv: WORKER_ENV.DET_MODEL_BIND_URL, portEnv: WORKER_ENV.DET_MODEL_BIND_PORT, port: 4000, server: true, clientHost: '', nameEnv: WORKER_ENV.JOB_NAME, defaultName: 'video-analytics' },
  VideoAnalytics_I: { service: 'video_analytics', hostEnv: WORKER_ENV.DET_MODEL_BIND_URL, portEnv: WORKER_ENV.DET_MODEL_BIND_PORT, port: 4000, server: false, clientHost: 'video-analytics-videoanalytics', nameEnv: WORKER_ENV.VA_JOB_NAME, defaultName: 'video-analytics' },
};

export interface PluginEndpoint {
  plugin: PluginName;
  service: string;
  /** Server: the address to bind; interface: the peer's host. */
  host: string;
  port: number;
  server: boolean;
  /** Interfaces: the base URL, http://host:port */
  url: string;
  /**
   * The service's name (its owner object's): a server's own (SERVICE_NAME, JOB_NAME), an interface's peer as the GM
   * gives it (FE_SERVICE_NAME, REID_SERVICE_NAME), else the original's sample name. Broker subjects carry it.
   */
  name: string;
}

export function pluginEndpoint(name: string, env: Env = process.env): PluginEndpoint {
  if (!(name in PLUGIN)) throw new Error(`unknown plugin ${JSON.stringify(name)}; known: ${Object.keys(PLUGIN).join(', ')}`);
  const def = DEFS[name as PluginName];
  if (!def) throw new Error(`plugin ${name} (the ObjectSearch ReID manager) is not implemented: use ReID_Server/ReID_I`);
  const rawPort = env[def.portEnv];
  const port = rawPort === undefined || rawPort === '' ? def.port : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${def.portEnv} must be a port number; got ${JSON.stringify(rawPort)}`);
  const host = env[def.hostEnv] || (def.server ? '0.0.0.0' : def.clientHost);
  return { plugin: name as PluginName, service: def.service, host, port, server: def.server, url: `http://${host}:${port}`, name: env[def.nameEnv] || def.defaultName };
}
