/**
 * The child process of the fuzz benchmark that holds the in-process entry points (kit/entry-points.ts): it sends
 * their endpoints to its parent over IPC, and on request waits for the LC's outbox to drain and tells how many worker
 * reports reached the hub. Its exit during the campaign is a process exit the benchmark counts.
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installLastResort, ownerOnlyFiles } from '@sedna/api/guard';
import { startEntryPoints } from './kit/index.js';

ownerOnlyFiles();
installLastResort({ name: 'fuzz host' });
const dir = mkdtempSync(join(tmpdir(), 'sedna-fuzz-host-'));
const entry = await startEntryPoints(dir, (line) => process.stderr.write(`[fuzz host] ${line}\n`));
process.send!({ type: 'ready', endpoints: entry.endpoints });
process.on('message', (message: { type: string }) => {
  if (message.type === 'drain') {
    void entry.drained(60_000).then((drained) => process.send!({ type: 'drained', drained, reportsAtGm: entry.reportsAtGm.length }));
  } else if (message.type === 'stop') {
    // Bounded: a close that hangs is reported, not waited for.
    setTimeout(() => {
      process.stderr.write('[fuzz host] closing took over 20 s; exiting anyway\n');
      process.exit(3);
    }, 20_000).unref();
    void entry.close().then(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
process.once('disconnect', () => process.exit(0));
