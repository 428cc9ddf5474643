/**
 * Runs the knowledge base server from its environment (the original's run_kb):
 *   KnowledgeBaseServer=http://0.0.0.0:9020 KnowledgeBasePath=/var/lib/sedna/kb node --import tsx run-kb.ts
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { KnowledgeBaseServer } from './kb-server/kb-server.js';
import { kbServerSettingsFromEnv } from './kb-server/settings.js';

export async function runKnowledgeBaseServer(env = process.env): Promise<KnowledgeBaseServer> {
  const settings = kbServerSettingsFromEnv(env);
  const server = await KnowledgeBaseServer.start({ ...settings, log: (line) => console.log(line) });
  console.log(`knowledge base listening on ${settings.host}:${server.address.port}, files in ${settings.saveDir}, database ${settings.database}`);
  return server;
}

// Started as a program (by its real path or through a link such as node_modules/@sedna/lib), not imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const server = await runKnowledgeBaseServer();
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Started with an IPC channel (by the sedna control plane): it ends with its parent, even a killed one.
  if (process.send !== undefined) process.once('disconnect', stop);
}
