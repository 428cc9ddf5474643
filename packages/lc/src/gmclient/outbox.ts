/**
 * The LC's on-disk outbox of upstream messages: each message is stored before sendUpstream() resolves and
 * stays until the GM acknowledges it, so neither a GM outage nor an LC crash loses a report.
 *
 * SQLite in WAL mode with synchronous=FULL: a committed append survives a process kill and a power cut.
 * AUTOINCREMENT keeps ids increasing even after every row was removed, which the hub's duplicate detection
 * relies on; the epoch names this outbox file so the hub can tell a fresh file (ids from 1 again) apart.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { ownerOnlyDatabaseFile } from '@sedna/api/guard';

/** A stored message, kept as the JSON text it is sent as. */
export interface OutboxEntry {
  id: number;
  messageJson: string;
}

export class UpstreamOutbox {
  readonly epoch: string;
  private readonly db: Database.Database;
  private readonly insertStatement: Database.Statement<[string, string]>;
  private readonly afterStatement: Database.Statement<[number, number], OutboxEntry>;
  private readonly deleteStatement: Database.Statement<[number]>;
  private readonly countStatement: Database.Statement<[], number>;

  /** Opens (or creates) the outbox at `path`, creating its folder. */
  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      // Owner-only before SQLite opens it: its WAL and shared-memory files take the same mode.
      ownerOnlyDatabaseFile(path);
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS outbox (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          message TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `);
      this.db.prepare(`INSERT OR IGNORE INTO outbox_meta (key, value) VALUES ('epoch', ?)`).run(randomUUID());
      this.epoch = (this.db.prepare(`SELECT value FROM outbox_meta WHERE key = 'epoch'`).pluck().get() as string | undefined) ?? '';
    } catch (err) {
      throw new Error(`cannot open the upstream outbox ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.insertStatement = this.db.prepare(`INSERT INTO outbox (message, created_at) VALUES (?, ?)`);
    this.afterStatement = this.db.prepare(`SELECT id, message AS messageJson FROM outbox WHERE id > ? ORDER BY id LIMIT ?`);
    this.deleteStatement = this.db.prepare(`DELETE FROM outbox WHERE id = ?`);
    this.countStatement = this.db.prepare<[], number>(`SELECT COUNT(*) FROM outbox`).pluck();
  }

  /** Stores a message (already validated and encoded); returns its id once the write is durable. */
  append(messageJson: string): number {
    const result = this.insertStatement.run(messageJson, new Date().toISOString());
    return Number(result.lastInsertRowid);
  }

  /** Up to `limit` entries with an id above `afterId`, oldest first. */
  after(afterId: number, limit: number): OutboxEntry[] {
    return this.afterStatement.all(afterId, limit);
  }

  /** Removes an acknowledged entry; false if it was not there (a duplicate acknowledgement). */
  remove(id: number): boolean {
    return this.deleteStatement.run(id).changes > 0;
  }

  count(): number {
    return this.countStatement.get() ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
