/** The knowledge base server (cloud side: SQLite through better-sqlite3, which loads when a database opens). */
export { DEFAULT_KB_DATABASE_NAME, KnowledgeBaseServer } from './kb-server.js';
export type { KnowledgeBaseServerOptions } from './kb-server.js';
export { KnowledgeBaseDatabase, SAMPLE_DATA_TYPES } from './kb-database.js';
export type { KbGroupContents } from './kb-database.js';
export { KbFiles, KbPathError } from './kb-files.js';
export { kbServerSettingsFromEnv } from './settings.js';
export { DEFAULT_KB_PORT, KB_BASE_PATH, downloadPath } from './protocol.js';
