#!/usr/bin/env node
/**
 * Runs the embedded API server alone:
 *   sedna-apiserver [--data-dir DIR] [--port 6443] [--host 127.0.0.1] [--token TOKEN]
 * It prints where it listens and the kubeconfig to use, then serves until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { installLastResort, ownerOnlyFiles, restrictTree } from '@sedna/api/guard';
import { startApiServer } from './index.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: '.data/apiserver' },
    port: { type: 'string', default: '6443' },
    host: { type: 'string', default: '127.0.0.1' },
    token: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: sedna-apiserver [--data-dir DIR] [--port PORT] [--host HOST] [--token TOKEN]');
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`sedna-apiserver: --port must be a port number, got ${JSON.stringify(values.port)}`);
  process.exit(2);
}
ownerOnlyFiles();
installLastResort({ name: 'sedna-apiserver' });
restrictTree(values['data-dir']);
const server = await startApiServer({ dataDir: values['data-dir'], port, host: values.host, ...(values.token ? { token: values.token } : {}) });
console.log(`sedna-apiserver listening on ${server.url}`);
console.log(`kubeconfig: ${server.kubeconfigPath}   (export KUBECONFIG=${server.kubeconfigPath})`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
