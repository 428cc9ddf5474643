/**
 * The knowledge base server's settings from its environment, as the original run_kb read them:
 * - KnowledgeBaseServer: "http://<ipv4>:<port>" to bind (anything else falls back to 0.0.0.0:9020, as the original);
 * - KnowledgeBasePath: the folder of its files (default ./knowledgebase; the original used the working folder);
 * - KB_URL: the SQLite database as "sqlite:///relative/path" or "sqlite:////absolute/path" (SQLAlchemy's form;
 *   default <KnowledgeBasePath>/lifelong_kb.sqlite3; the original's default was ./lifelong_kb.sqlite3).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { Env } from '../../../common/config.js';
import { DEFAULT_KB_DATABASE_NAME, type KnowledgeBaseServerOptions } from './kb-server.js';
import { DEFAULT_KB_PORT } from './protocol.js';
import { WORKER_ENV } from '@sedna/api/contracts';

const BIND_PATTERN = /^(https?):\/\/(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})\/?$/;

export function kbServerSettingsFromEnv(env: Env = process.env): KnowledgeBaseServerOptions & { host: string; port: number; database: string } {
  const bind = BIND_PATTERN.exec(env[WORKER_ENV.KnowledgeBaseServer]?.trim() ?? '');
  const port = bind ? Number(bind[3]) : DEFAULT_KB_PORT;
  const host = bind && port <= 65535 ? (bind[2] as string) : '0.0.0.0';
  const saveDir = path.resolve(env[WORKER_ENV.KnowledgeBasePath]?.trim() || 'knowledgebase');
  const database = databaseFromUrl(env[WORKER_ENV.KB_URL], saveDir);
  // The control plane's job-credential secret, from a file (owner-only) rather than the environment itself.
  const secretFile = env[WORKER_ENV.SEDNA_JOB_CREDENTIAL_SECRET_FILE]?.trim();
  const credentialSecret = secretFile ? readFileSync(secretFile, 'utf8').trim() : undefined;
  return { host, port: port <= 65535 ? port : DEFAULT_KB_PORT, saveDir, database, ...(credentialSecret ? { credentialSecret } : {}) };
}

function databaseFromUrl(url: string | undefined, saveDir: string): string {
  if (url === undefined || url.trim() === '') return path.join(saveDir, DEFAULT_KB_DATABASE_NAME);
  const match = /^sqlite:\/\/\/(.*)$/.exec(url.trim());
  if (!match || match[1] === '') throw new Error(`environment variable KB_URL: expected sqlite:///<path>, got ${JSON.stringify(url)} (only SQLite is supported)`);
  const file = match[1] as string;
  return file === ':memory:' ? file : path.resolve(file);
}
