/** The knowledge base server of lifelong learning, on SQLite: the '@sedna/lib/knowledge-base' entry point. */
export { DEFAULT_KB_DATABASE_NAME, KnowledgeBaseDatabase, KnowledgeBaseServer, KbFiles, KbPathError, SAMPLE_DATA_TYPES, kbServerSettingsFromEnv } from './kb-server/index.js';
export type { KbGroupContents, KnowledgeBaseServerOptions } from './kb-server/index.js';
export { runKnowledgeBaseServer } from './run-kb.js';
