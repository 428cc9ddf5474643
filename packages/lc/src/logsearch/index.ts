export { LOG_SEARCH_PATH, logSearchRoute } from './route.js';
export { lineTime, parseSince, searchPodLogs, type LogMatch, type LogSearchQuery } from './search.js';
