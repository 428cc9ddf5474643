/** JSON merge patch (RFC 7386) lives in @sedna/api/runtime, shared with the GM's recording client in tests. */
export { applyMergePatch, isObject } from '@sedna/api/runtime';
