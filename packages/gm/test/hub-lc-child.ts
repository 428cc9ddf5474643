/**
 * An LC in its own process for the crash test: queues `count` upstream messages, prints "queued" once they are
 * all in the outbox, and runs until it is killed.
 * Usage: node --conditions=source --import tsx hub-lc-child.ts <url> <token> <outboxPath> <count>
 */
import { silentLogger } from '@sedna/api';
import { GmClient } from '../../lc/src/gmclient/index.js';
import { statusMessage } from './hub-fixtures.js';

const [url, token, outboxPath, countText] = process.argv.slice(2);
if (!url || !token || !outboxPath || !countText) throw new Error('usage: hub-lc-child.ts <url> <token> <outboxPath> <count>');

const client = new GmClient(
  { url, token, nodeName: 'edge-1', version: 'child', outboxPath, heartbeatMs: 100, logger: silentLogger },
  { onMessage: () => {}, onResync: () => {} },
);
client.start();
for (let i = 1; i <= Number(countText); i++) await client.sendUpstream(statusMessage('ds', i));
process.stdout.write('queued\n');
