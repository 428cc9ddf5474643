import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface FileWatcherOptions {
  /** Events closer together than this give one call (an editor's save is several events). */
  debounceMs: number;
  /** A call at this interval whatever the events say: the safety net for missed events and unwatchable folders. */
  checkIntervalMs: number;
}

/**
 * Calls `onChange` soon after a file may have changed. It watches the file itself and its folder: writes show
 * on the file, while replacing the file by rename (how editors and many scripts save) or creating it shows on
 * the folder. After a rename the old file watch follows a dead inode, so it is re-armed on the new file.
 * Watches that cannot be set up (file or folder missing) are retried on every event and every periodic check.
 */
export class FileWatcher {
  private readonly dir: string;
  private readonly base: string;
  private dirWatcher: FSWatcher | undefined;
  private fileWatcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly interval: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly onChange: () => void,
    private readonly options: FileWatcherOptions,
  ) {
    this.dir = path.dirname(file);
    this.base = path.basename(file);
    this.arm();
    this.interval = setInterval(() => this.fire(), options.checkIntervalMs);
    this.interval.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.interval);
    clearTimeout(this.debounce);
    this.dirWatcher?.close();
    this.fileWatcher?.close();
    this.dirWatcher = undefined;
    this.fileWatcher = undefined;
  }

  private arm(): void {
    if (this.closed) return;
    if (!this.dirWatcher) {
      this.dirWatcher = this.tryWatch(this.dir, (_event, name) => {
        // Some platforms give no file name; then any change in the folder may be ours.
        if (name === null || name === this.base) this.schedule();
      });
    }
    if (!this.fileWatcher) {
      this.fileWatcher = this.tryWatch(this.file, (event) => {
        if (event === 'rename') {
          // The watched inode was moved or deleted: watch whatever now has the name, once things settle.
          this.fileWatcher?.close();
          this.fileWatcher = undefined;
        }
        this.schedule();
      });
    }
  }

  private tryWatch(target: string, listener: (event: string, name: string | null) => void): FSWatcher | undefined {
    let watcher: FSWatcher;
    try {
      watcher = watch(target, { persistent: false }, (event, name) => listener(event, name === null ? null : String(name)));
    } catch {
      return undefined; // missing for now; the next event or check tries again
    }
    watcher.on('error', () => {
      watcher.close();
      if (this.dirWatcher === watcher) this.dirWatcher = undefined;
      if (this.fileWatcher === watcher) this.fileWatcher = undefined;
      this.schedule();
    });
    return watcher;
  }

  private schedule(): void {
    if (this.closed || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.fire();
    }, this.options.debounceMs);
    this.debounce.unref();
  }

  private fire(): void {
    if (this.closed) return;
    this.arm();
    this.onChange();
  }
}
