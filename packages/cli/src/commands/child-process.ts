/** Ending the child processes the CLI starts (the GM, the knowledge base, the parts of `sedna up`). */
import type { ChildProcess } from 'node:child_process';

/** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited (at once when it already had). */
export function endChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    // Not unref'd: a parent with nothing else left to do must still wait to SIGKILL a child that ignores SIGTERM.
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
